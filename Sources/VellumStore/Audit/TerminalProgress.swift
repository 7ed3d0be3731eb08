import Foundation
public import Logging
public import PostgresNIO
import Synchronization

/// Progress of a long command (`export`, `verify`, `projections rebuild`, `vellum-bench flows`) on
/// standard error: one line rewritten in place, at most four times a second, with the total and an
/// estimate of the time left. Silent when standard error is not a terminal (a pipe, a log file, CI).
public final class TerminalProgress: Sendable {
    private struct State {
        var count: Int64 = 0
        var lastShown: ContinuousClock.Instant?
        var shown = false
    }

    private let label: String
    private let unit: String
    private let total: Int64?
    private let started = ContinuousClock.now
    private let enabled: Bool
    private let state = Mutex(State())

    /// `total` is the expected count (nil: unknown); `enabled` defaults to whether standard error
    /// is a terminal.
    public init(_ label: String, total: Int64?, unit: String = "events", enabled: Bool? = nil) {
        self.label = label
        self.unit = unit
        self.total = total
        self.enabled = enabled ?? (isatty(STDERR_FILENO) == 1)
    }

    /// `count` done so far.
    public func update(_ count: Int64) { show { $0 = count } }

    /// `count` more done (from concurrent tasks).
    public func advance(by count: Int64 = 1) { show { $0 += count } }

    private func show(_ change: (inout Int64) -> Void) {
        guard enabled else { return }
        let now = ContinuousClock.now
        let line = state.withLock { state -> String? in
            change(&state.count)
            let count = state.count
            if let last = state.lastShown, last.duration(to: now) < .milliseconds(250) { return nil }
            state.lastShown = now
            state.shown = true
            return Self.line(label: label, unit: unit, count: count, total: total, elapsed: started.duration(to: now))
        }
        if let line { write("\r\u{1B}[K" + line) }
    }

    /// Ends the line (if one was shown).
    public func finish() {
        guard enabled, state.withLock({ $0.shown }) else { return }
        write("\r\u{1B}[K")
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// `verify: 50,000 of ~100,000 events (50 %), 25,000/s, about 2 s left`.
    static func line(label: String, unit: String, count: Int64, total: Int64?, elapsed: Duration) -> String {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Double(count) / seconds : 0
        var line = "\(label): \(grouped(count))"
        if let total, total > 0 {
            line += " of ~\(grouped(max(total, count))) \(unit) (\(min(100, Int(100 * Double(count) / Double(total)))) %)"
        } else {
            line += " \(unit)"
        }
        line += ", \(grouped(Int64(rate)))/s"
        if let total, rate > 0, total > count {
            line += ", about \(duration(Double(total - count) / rate)) left"
        }
        return line
    }

    static func grouped(_ value: Int64) -> String {
        let digits = String(value)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
            out.append(digit)
        }
        return out
    }

    static func duration(_ seconds: Double) -> String {
        switch seconds {
        case ..<90: "\(Int(seconds.rounded(.up))) s"
        case ..<5_400: "\(Int((seconds / 60).rounded())) min"
        default: String(format: "%.1f h", seconds / 3_600)
        }
    }

    /// The number of events the log holds, near enough for a progress total: the last position
    /// (positions only grow; rolled-back appends leave gaps). One index lookup.
    public static func eventTotal(client: PostgresClient, logger: Logger) async throws -> Int64 {
        for try await last in try await client.query("SELECT coalesce(max(position), 0)::int8 FROM events", logger: logger).decode(Int64.self) {
            return last
        }
        return 0
    }
}
