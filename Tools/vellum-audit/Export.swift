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
        let count: Int
        do {
            count = try await options.withClient { handle in
                let output = BufferedOutput()
                let progress = TerminalProgress(
                    "export", total: since == nil && until == nil ? try await TerminalProgress.eventTotal(client: handle.client, logger: handle.logger) : nil)
                defer { progress.finish() }
                var lines: Int64 = 0
                let count = try await LogExporter(client: handle.client, logger: handle.logger).export(since: since, until: until) { line in
                    try output.write(line)
                    lines += 1
                    if lines % 10_000 == 0 { progress.update(lines) }
                }
                try output.flush()
                return count
            }
        } catch is OutputClosed {
            // The reader went away (`| head`): a normal end for a filter. The cluster was released
            // on the way out; exit as a process killed by SIGPIPE would, without a word.
            throw ExitCode(141)
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        printError("exported \(count) events in \(String(format: "%.2f", seconds)) s (\(String(format: "%.0f", Double(count) / max(seconds, 0.001))) events/s)")
    }
}

/// Standard output in 256 KiB writes, with `write(2)`: Foundation's `FileHandle.write` traps on
/// an error, and a closed pipe is one (SIGPIPE is ignored, see ``ClusterExit``).
final class BufferedOutput: @unchecked Sendable {
    private var buffer: [UInt8] = []

    func write(_ line: String) throws(OutputClosed) {
        buffer.append(contentsOf: line.utf8)
        buffer.append(0x0A)
        if buffer.count >= 256 * 1024 { try flush() }
    }

    func flush() throws(OutputClosed) {
        defer { buffer.removeAll(keepingCapacity: true) }
        let complete = buffer.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(STDOUT_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                if written > 0 {
                    offset += written
                } else if errno != EINTR {
                    return false
                }
            }
            return true
        }
        guard complete else { throw OutputClosed() }
    }
}

/// Standard output cannot be written any more (its reader closed the pipe).
struct OutputClosed: Error {}
