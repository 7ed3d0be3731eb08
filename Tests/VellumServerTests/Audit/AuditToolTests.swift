import Foundation
import PostgresNIO
import Testing
import VellumCore
import VellumServer
import VellumStore
import VellumTestSupport

/// The `vellum-audit` binary and `projections rebuild`, against a database after a mixed workload.
@Suite("Audit tools on a real workload")
struct AuditToolTests {
    /// A mixed workload: a full flow with refresh and reuse, a denied flow, a code replay, a revocation.
    private func workload(_ server: TestServer) async throws -> (flow: String, code: String, accessToken: String) {
        let client = try await server.registerClient(refreshTokens: true)
        try await server.createUser()
        try await server.createUser("bob")
        let basic = (client.clientID, client.secret!)
        var browser = Browser(server)
        let (flow, code) = try await browser.authorize(clientID: client.clientID)
        let tokens = try await server.token(TestServer.codeForm(code), basic: basic)
        let refresh = try #require(tokens.json["refresh_token"] as? String)
        _ = try await server.token([("grant_type", "refresh_token"), ("refresh_token", refresh)], basic: basic)
        _ = try await server.token([("grant_type", "refresh_token"), ("refresh_token", refresh)], basic: basic)
        _ = try await server.token(TestServer.codeForm(code), basic: basic)
        var denier = Browser(server)
        let denied = try await denier.startFlow(clientID: client.clientID)
        _ = try await denier.logIn(flow: denied, username: "bob")
        _ = try await denier.consent(flow: denied, decision: "deny")
        var other = Browser(server)
        let (_, secondCode) = try await other.authorize(clientID: client.clientID)
        let second = try await server.token(TestServer.codeForm(secondCode), basic: basic)
        _ = try await server.postForm("/revoke", [("token", try #require(second.accessToken))], basic: basic)
        return (flow, code, try #require(tokens.accessToken))
    }

    private static var binaries: URL {
        URL(filePath: CommandLine.arguments[0]).deletingLastPathComponent()
    }

    private func run(_ tool: String, _ arguments: [String], database: PostgresClient.Configuration) async throws -> (status: Int32, output: String) {
        let candidates = [Self.binaries, Self.binaries.deletingLastPathComponent()].map { $0.appending(path: tool) }
        let executable = try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) })
        let socketDirectory = URL(filePath: try #require(database.unixSocketPath)).deletingLastPathComponent().path
        let url = "postgres://\(database.username)@/\(database.database ?? "")?host=\(socketDirectory)"
        let finished = try await runToEnd(executable, arguments + ["--database-url", url])
        // Standard error follows the output, so a failed expectation shows why.
        return (finished.status, finished.output + finished.errors)
    }

    @Test func replayVerifyAndExportFromTheCommandLine() async throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "vellum-anchor-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyFile = directory.appending(path: "audit.key").path
        let checkpointFile = directory.appending(path: "checkpoints.jsonl").path
        let key = try AuditKeyFile.create(at: keyFile)
        try await TestServer.with(configure: { $0.auditKeyFile = keyFile; $0.checkpointFile = checkpointFile }) { server in
            let (flow, code, accessToken) = try await workload(server)

            let byToken = try await run("vellum-audit", ["replay", "--token", accessToken], database: server.database)
            #expect(byToken.status == 0)
            #expect(byToken.output.contains("flow \(flow)"))
            #expect(byToken.output.contains("variables after each step"))
            #expect(byToken.output.contains("RefreshTokenReuseDetected") && byToken.output.contains("reuse detected: family revoked"))
            #expect(byToken.output.contains("chain: valid"))

            let byCode = try await run("vellum-audit", ["replay", "--code=\(code)", "--format", "json"], database: server.database)
            #expect(byCode.status == 0, "\(byCode.output)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(byCode.output.split(separator: "\n").first.map(String.init)?.utf8 ?? "".utf8)) as? [String: Any])
            #expect(json["flow"] as? String == flow)
            #expect(json["chain"] as? String == "valid")
            let steps = try #require(json["steps"] as? [[String: Any]])
            #expect(steps.first?["type"] as? String == "AuthorizationRequested")
            #expect((steps.last?["state"] as? [String: Any])?["refresh_token"] as? String == "revoked")
            #expect(steps.allSatisfy { $0["position"] is Int && $0["actor"] is String && $0["data"] is [String: Any] })

            let byFlow = try await run("vellum-audit", ["replay", "--flow", "flow-\(flow)", "--format", "json"], database: server.database)
            #expect(byFlow.output == byCode.output)
            let unknown = try await run("vellum-audit", ["replay", "--code", "nothing-like-it"], database: server.database)
            #expect(unknown.status != 0)

            let export = try await run("vellum-audit", ["export", "--format", "jsonl"], database: server.database)
            let lines = export.output.split(separator: "\n")
            let total = try await server.store.client.query("SELECT count(*)::int8 FROM events").decode(Int64.self).reduce(0, +)
            let events = lines.filter { $0.hasPrefix("{") && !$0.hasPrefix(#"{"record":"#) }
            #expect(events.count == Int(total))
            let heads = try await server.store.client.query("SELECT count(*)::int8 FROM streams").decode(Int64.self).reduce(0, +)
            #expect(lines.filter { $0.hasPrefix(#"{"record":"head""#) }.count == Int(heads), "a whole export carries every head")
            let first = try #require(try JSONSerialization.jsonObject(with: Data(events[0].utf8)) as? [String: Any])
            for key in ["position", "stream_id", "stream_version", "type", "recorded_at", "payload", "metadata", "hash"] {
                #expect(first[key] != nil, "export line lacks \(key)")
            }

            // Seal and ship what is there (the server's sealer runs every second; wait for it), then
            // verify against the pinned key and the shipped checkpoints.
            let anchored = ["verify", "--unsealed-grace", "0", "--audit-key", keyFile + ".pub", "--checkpoints", checkpointFile]
            var verified = try await run("vellum-audit", anchored, database: server.database)
            for _ in 0..<50 where verified.status != 0 {
                try await Task.sleep(for: .milliseconds(100))
                verified = try await run("vellum-audit", anchored, database: server.database)
            }
            #expect(verified.status == 0, "\(verified.output)")
            #expect(verified.output.contains("result:      valid"))
            #expect(verified.output.contains("pinned key \(key.keyID)"))
            let byFingerprint = try await run("vellum-audit", ["verify", "--audit-key", key.fingerprint], database: server.database)
            #expect(byFingerprint.output.contains("anchor:      pinned key"), "\(byFingerprint.output)")
            // Without an anchor the same log is only "unanchored", with its own exit code.
            let unanchored = try await run("vellum-audit", ["verify", "--unsealed-grace", "0"], database: server.database)
            #expect(unanchored.status == 2 && unanchored.output.contains("result:      unanchored"), "\(unanchored.output)")
            #expect(!unanchored.output.contains("result:      valid"))
            #expect(try CheckpointShipper.read(checkpointFile).checkpoints.isEmpty == false)
        }
    }

    @Test func rebuildVerifyFindsNoDifferenceThenTheAlteredRow() async throws {
        try await TestServer.with { server in
            _ = try await workload(server)
            try await CatchUpRunner(client: server.store.client, logger: TestCluster.logger).catchUp(AuditIndex())
            let rebuilder = ProjectionRebuilder(client: server.store.client, logger: TestCluster.logger)
            let cutoff = Timestamp(Date()).adding(seconds: -86400)
            let clean = try await rebuilder.rebuild(swap: false, pruneCutoff: cutoff)
            #expect(clean.matches, "\(clean.tables.filter { !$0.matches })")
            #expect(clean.tables.first { $0.table == "access_tokens" }?.rows == 3)

            try await server.store.client.query("UPDATE refresh_tokens SET revoked_at = NULL")
            let altered = try await rebuilder.rebuild(swap: false, pruneCutoff: cutoff)
            #expect(!altered.matches)
            let refresh = try #require(altered.tables.first { $0.table == "refresh_tokens" })
            #expect(refresh.missingLive == 1 && refresh.extraLive == 1, "the one revoked refresh token of the family")
            #expect(altered.tables.filter { !$0.matches }.map(\.table) == ["refresh_tokens"])

            let swapped = try await rebuilder.rebuild(swap: true, pruneCutoff: cutoff)
            #expect(swapped.matches)
            #expect(try await rebuilder.rebuild(swap: false, pruneCutoff: cutoff).matches, "the swap repaired the projection")
        }
    }
}
