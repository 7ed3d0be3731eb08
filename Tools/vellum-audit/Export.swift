import ArgumentParser
import Foundation
import VellumCore
import VellumStore

/// `vellum-audit export --format jsonl [--since T] [--until T]`: one JSON object per event, in
/// log order, streamed to standard output.
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export the log as JSON lines (for a SIEM, or an outside verifier).")

    @OptionGroup var options: AuditOptions

    @Option(help: "Only jsonl.")
    var format = "jsonl"

    @Option(help: "Events recorded at or after this time.")
    var since: String?

    @Option(help: "Events recorded before this time.")
    var until: String?

    func validate() throws {
        guard format == "jsonl" else { throw ValidationError("--format must be jsonl") }
    }

    func run() async throws {
        let since = try since.map { try parseTime($0, option: "--since") }
        let until = try until.map { try parseTime($0, option: "--until") }
        let start = ContinuousClock.now
        let count = try await options.withClient { handle in
            let output = BufferedOutput()
            defer { output.flush() }
            return try await LogExporter(client: handle.client, logger: handle.logger).export(since: since, until: until) { line in
                output.write(line)
            }
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        printError("exported \(count) events in \(String(format: "%.2f", seconds)) s (\(String(format: "%.0f", Double(count) / max(seconds, 0.001))) events/s)")
    }
}

/// Standard output in 256 KiB writes.
final class BufferedOutput: @unchecked Sendable {
    private var buffer = Data()

    func write(_ line: String) {
        buffer.append(contentsOf: line.utf8)
        buffer.append(0x0A)
        if buffer.count >= 256 * 1024 { flush() }
    }

    func flush() {
        FileHandle.standardOutput.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}
