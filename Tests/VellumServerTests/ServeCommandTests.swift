import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Runs the real `vellum` binary as an operator would: `vellum serve` on the embedded cluster,
/// then Ctrl-C (SIGINT).
@Suite("vellum serve on the embedded PostgreSQL")
struct ServeCommandTests {
    /// The `vellum` executable that `swift test` built next to the test bundle.
    private static var executable: URL? {
        let bundle = URL(filePath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [bundle, bundle.deletingLastPathComponent()].map { $0.appending(path: "vellum") }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    private static func postgresProcesses(dataDirectory: String) -> [String] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return pids.filter { Int($0) != nil }.compactMap { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            let command = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\0", with: " ")
            return command.contains("postgres") && command.contains(dataDirectory) ? command : nil
        }
    }

    private static func status(_ url: URL) async -> Int? {
        var request = URLRequest(url: url)
        request.timeoutInterval = 2
        guard let (_, response) = try? await URLSession.shared.data(for: request) else { return nil }
        return (response as? HTTPURLResponse)?.statusCode
    }

    @Test(.timeLimit(.minutes(2)))
    func serveStartsTheEmbeddedDatabaseAndStopsItOnInterrupt() async throws {
        let executable = try #require(Self.executable, "the vellum binary should be built beside the tests")
        let dataDirectory = FileManager.default.temporaryDirectory.appending(path: "vellum-serve-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let port = Int.random(in: 20_000..<40_000)

        let process = Process()
        process.executableURL = executable
        process.arguments = ["serve", "--port", "\(port)", "--data-dir", dataDirectory]
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "VELLUM_DATABASE_URL")
        environment["VELLUM_LOG_LEVEL"] = "warning"
        process.environment = environment
        try process.run()

        let readyz = URL(string: "http://127.0.0.1:\(port)/readyz")!
        var ready: Int?
        for _ in 0..<600 where process.isRunning {
            ready = await Self.status(readyz)
            if ready == 200 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(ready == 200)
        #expect(!Self.postgresProcesses(dataDirectory: dataDirectory).isEmpty, "the embedded PostgreSQL should be running")

        process.interrupt()
        for _ in 0..<600 where process.isRunning {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(!process.isRunning)
        #expect(process.terminationStatus == 0)
        #expect(Self.postgresProcesses(dataDirectory: dataDirectory).isEmpty, "no PostgreSQL process may be left behind")
    }
}
