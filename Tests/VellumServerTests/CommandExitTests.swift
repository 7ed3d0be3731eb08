import Foundation
import Testing

/// No end of a command leaves behind the embedded cluster it started (issue 12): a reader that
/// closes the pipe, Ctrl-C, `kill`. Each runs the real binaries on a data directory of its own.
/// scripts/test runs them after the main suite: their clusters and a benchmark's load starved the
/// shared test cluster of both cores.
@Suite("Commands end cleanly", .serialized)
struct CommandExitTests {
    /// Runs `arguments` of `name` in the background; standard output to `output` (or nowhere).
    private static func start(_ name: String, _ arguments: [String], output: Pipe? = nil, errors: Pipe? = nil) throws -> Process {
        let process = Process()
        process.executableURL = try #require(Commands.executable(name), "\(name) should be built beside the tests")
        process.arguments = arguments
        process.environment = Commands.environment
        process.standardOutput = output ?? FileHandle.nullDevice
        process.standardError = errors ?? FileHandle.nullDevice
        try process.run()
        return process
    }

    private static func waitForExit(_ process: Process, seconds: Int = 120) async throws {
        for _ in 0..<(seconds * 10) where process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning { process.terminate() }
    }

    /// Waits until the cluster of `dataDirectory` is up (its postmaster runs) while `process` runs.
    private static func waitForCluster(_ dataDirectory: String, _ process: Process) async throws -> Bool {
        for _ in 0..<600 where process.isRunning {
            if !Commands.postgresProcesses(dataDirectory: dataDirectory).isEmpty { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// A data directory holding a log of `flows` complete flows (8 events each).
    private static func populated(flows: Int) async throws -> String {
        let dataDirectory = Commands.temporaryDataDirectory("vellum-exit")
        let bench = try start("vellum-bench", ["flows", "--count", "\(flows)", "--baseline-flows", "0", "--data-dir", dataDirectory])
        try await waitForExit(bench)
        #expect(bench.terminationStatus == 0)
        #expect(Commands.postgresProcesses(dataDirectory: dataDirectory).isEmpty, "vellum-bench stopped its cluster")
        return dataDirectory
    }

    @Test(.timeLimit(.minutes(3)))
    func anExportIntoAClosedPipeEndsQuietlyAndStopsTheCluster() async throws {
        let dataDirectory = try await Self.populated(flows: 1_000)
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let output = Pipe(), errors = Pipe()
        let export = try Self.start("vellum-audit", ["export", "--format", "jsonl", "--data-dir", dataDirectory], output: output, errors: errors)
        // The reader takes one chunk and goes away, as `| head -1` does.
        _ = output.fileHandleForReading.availableData
        try output.fileHandleForReading.close()
        try await Self.waitForExit(export)
        let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(export.terminationReason == .exit && export.terminationStatus == 141, "as a process killed by SIGPIPE: \(said)")
        #expect(!said.contains("Fatal error"), "\(said)")
        #expect(Commands.postgresProcesses(dataDirectory: dataDirectory).isEmpty, "no PostgreSQL of the data directory survives")
    }

    @Test(.timeLimit(.minutes(4)), arguments: [
        ("vellum-bench", ["flows", "--count", "1000000", "--baseline-flows", "0"], SIGINT),
        ("vellum-audit", ["verify"], SIGTERM),
        ("vellum-audit", ["export", "--format", "jsonl"], SIGINT),
        ("vellum", ["projections", "rebuild"], SIGTERM),
        ("vellum", ["clients", "list"], SIGHUP),
    ])
    func aCommandStoppedMidwayStopsTheClusterItStarted(name: String, arguments: [String], signal: Int32) async throws {
        let dataDirectory = Commands.temporaryDataDirectory("vellum-kill")
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let process = try Self.start(name, arguments + ["--data-dir", dataDirectory])
        // Stopped while the cluster it started runs (for the short commands: during their start
        // or their work, whichever the signal meets).
        #expect(try await Self.waitForCluster(dataDirectory, process), "the command started the cluster")
        kill(process.processIdentifier, signal)
        try await Self.waitForExit(process)
        if process.terminationStatus != 0 {
            #expect(process.terminationReason == .exit && process.terminationStatus == 128 + signal, "\(process.terminationReason == .exit ? "exit" : "signal") \(process.terminationStatus)")
        }
        #expect(Commands.postgresProcesses(dataDirectory: dataDirectory).isEmpty, "no PostgreSQL of \(dataDirectory) survives \(name)")
    }
}
