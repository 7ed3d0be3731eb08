import Foundation
import PostgresNIO
import Testing
import VellumCore
import VellumServer
import VellumStore
import VellumTestSupport

/// The signer apart from the database: `vellum serve` with `VELLUM_SEALER=off`, and `vellum sealer`
/// with its own key file; an auditor pins that key.
@Suite("A separate vellum sealer with its own key file")
struct SeparateSealerTests {
    @Test(.timeLimit(.minutes(2)))
    func theSealerProcessSealsAndSignsWhatTheServersAppend() async throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "vellum-sealer-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyFile = directory.appending(path: "audit.key").path
        let key = try AuditKeyFile.create(at: keyFile)
        let database = try await TestCluster.makeDatabase()

        try await TestServer.with(database: database, configure: { $0.sealerEnabled = false }) { server in
            let client = try await server.registerClient()
            try await server.createUser()
            var browser = Browser(server)
            _ = try await server.tokens(for: client, browser: &browser)
            #expect(try await Self.count("SELECT count(*)::int8 FROM seals", server) == 0, "the servers do not seal")

            let binaries = URL(filePath: CommandLine.arguments[0]).deletingLastPathComponent()
            let executable = try #require([binaries, binaries.deletingLastPathComponent()].map { $0.appending(path: "vellum") }
                .first { FileManager.default.isExecutableFile(atPath: $0.path) })
            let socketDirectory = URL(filePath: try #require(database.unixSocketPath)).deletingLastPathComponent().path
            let sealer = Process()
            sealer.executableURL = executable
            sealer.arguments = ["sealer", "--audit-key-file", keyFile, "--seal-interval", "1",
                                "--database-url", "postgres://\(database.username)@/\(database.database ?? "")?host=\(socketDirectory)"]
            sealer.standardOutput = FileHandle.nullDevice
            sealer.standardError = FileHandle.nullDevice
            try sealer.run()
            defer { if sealer.isRunning { sealer.terminate() } }

            let events = try await Self.count("SELECT count(*)::int8 FROM events", server)
            var signed: Int64 = 0
            for _ in 0..<100 where signed < events {
                try await Task.sleep(for: .milliseconds(100))
                signed = try await Self.count("SELECT COALESCE(max(seal_seq), 0)::int8 FROM checkpoints WHERE key_id = '\(key.keyID)'", server)
            }
            #expect(signed >= events, "the sealer signed checkpoints with its key over every event")
            let report = try await LogVerifier(client: server.store.client, logger: TestCluster.logger)
                .verify(unsealedBefore: Timestamp(Date()).adding(seconds: -3600), pinnedKeys: [key.keyID: key.publicKey])
            #expect(report.isValid && report.anchored, "\(report.faults)")

            sealer.interrupt()
            for _ in 0..<100 where sealer.isRunning { try await Task.sleep(for: .milliseconds(50)) }
            #expect(!sealer.isRunning && sealer.terminationStatus == 0, "SIGINT stops it cleanly")
        }
    }

    private static func count(_ sql: String, _ server: TestServer) async throws -> Int64 {
        try await server.store.client.query(PostgresQuery(stringLiteral: sql)).decode(Int64.self).reduce(0) { $1 }
    }
}
