import Foundation
import PostgresNIO
import Synchronization
import VellumTestSupport

/// Tests/Faults/fault_proxy.py: a proxy in front of the test cluster that, once armed, loses the
/// reply to the next commit — a COMMIT, or a write statement that commits on its own, as the
/// appender's one-statement batches do (the transaction commits; the client never hears so), and plays a
/// database gone away (`down`) or a network cut between them (`partition`) until `up`.
final class FaultProxy: Sendable {
    private let process: Process
    private let input: FileHandle
    private let lines = Lines()
    /// The proxy's port on 127.0.0.1.
    let port: Int

    init() async throws {
        let script = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appending(path: "Faults/fault_proxy.py")
        let process = Process()
        process.executableURL = URL(filePath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "--socket", try await TestCluster.shared().socketPath]
        let output = Pipe()
        let input = Pipe()
        process.standardOutput = output
        process.standardInput = input
        process.standardError = FileHandle.standardError
        try process.run()
        self.process = process
        self.input = input.fileHandleForWriting
        let lines = self.lines
        output.fileHandleForReading.readabilityHandler = { handle in
            let text = String(decoding: handle.availableData, as: UTF8.self)
            lines.value.withLock { $0 += text.split(separator: "\n").map(String.init) }
        }
        var port: Int?
        for _ in 0..<100 where port == nil {
            port = lines.value.withLock { $0.first { $0.hasPrefix("port ") } }.flatMap { Int($0.dropFirst(5)) }
            if port == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        guard let port else { throw FaultProxyError(message: "the proxy did not start") }
        self.port = port
    }

    /// A connection configuration for `database` through the proxy.
    func configuration(for database: PostgresClient.Configuration) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: "127.0.0.1", port: port, username: database.username, password: nil, database: database.database, tls: .disable)
        configuration.options.maximumConnections = database.options.maximumConnections
        return configuration
    }

    /// Loses the reply to the next commit.
    func arm() async throws {
        input.write(Data("arm\n".utf8))
        try await waitFor("armed")
    }

    enum Mode: String { case up, down, partition }

    /// Switches to `mode` (see the script).
    func set(_ mode: Mode) async throws {
        let acknowledged = lines.value.withLock { $0.count { $0 == "is \(mode.rawValue)" } }
        input.write(Data("\(mode.rawValue)\n".utf8))
        for _ in 0..<100 {
            if lines.value.withLock({ $0.count { $0 == "is \(mode.rawValue)" } }) > acknowledged { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw FaultProxyError(message: "the proxy never switched to \(mode.rawValue)")
    }

    /// How many commit replies have been lost so far.
    var drops: Int { lines.value.withLock { $0.count { $0 == "dropped" } } }

    private func waitFor(_ line: String) async throws {
        for _ in 0..<100 {
            if lines.value.withLock({ $0.contains(line) }) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw FaultProxyError(message: "the proxy never said \(line)")
    }

    func stop() {
        try? input.close()
        process.terminate()
        process.waitUntilExit()
    }
}

/// The proxy's output lines, shared with its pipe's reader.
final class Lines: Sendable {
    let value = Mutex<[String]>([])
}

struct FaultProxyError: Error {
    let message: String
}
