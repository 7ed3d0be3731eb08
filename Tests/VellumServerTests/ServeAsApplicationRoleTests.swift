import Foundation
import PostgresNIO
import Testing
import VellumCore
import VellumServer
import VellumStore
import VellumTestSupport

/// The least-privileged deployment docs/database-roles.md recommends, tried for real: the server
/// connects as a login role that is only a member of `vellum_app`.
@Suite("vellum serve as a login role in vellum_app")
struct ServeAsApplicationRoleTests {
    @Test(.timeLimit(.minutes(2)))
    func aWholeFlowSealsAndIndexesAsTheApplicationRole() async throws {
        var database = try await TestCluster.makeDatabase()
        let role = "server_\(UUID().uuidString.prefix(8).lowercased())"
        try await withConnection(database) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE ROLE \(role) LOGIN IN ROLE vellum_app"), logger: TestCluster.logger)
        }
        database.username = role
        try await TestServer.with(database: database) { server in
            let client = try await server.registerClient(refreshTokens: true)
            try await server.createUser()
            var browser = Browser(server)
            let (flow, tokens) = try await server.tokens(for: client, browser: &browser)
            #expect(try await server.isActive(try #require(tokens.accessToken), client: client))
            let refreshed = try await server.token([("grant_type", "refresh_token"), ("refresh_token", try #require(tokens.json["refresh_token"] as? String))],
                                                   basic: (client.clientID, client.secret!))
            #expect(refreshed.status == .ok)
            try await Administration.disableUser("alice", store: server.store, metadata: server.operatorMetadata)
            // The background sealer signs a checkpoint covering the flow, as this role.
            var sealed = false
            for _ in 0..<100 where !sealed {
                let rows = try await server.store.client.query("""
                    SELECT count(*)::int8 FROM checkpoints c
                    WHERE c.seal_seq >= (SELECT max(s.seal_seq) FROM seals s JOIN events e ON e.position = s.position
                                         WHERE e.stream_id = \("flow-\(flow)"))
                    """, logger: TestCluster.logger)
                for try await count in rows.decode(Int64.self) { sealed = count > 0 }
                if !sealed { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(sealed, "sealing and checkpoints work without the owner's rights")
            let report = try await ProjectionRebuilder(client: server.store.client, logger: TestCluster.logger)
                .rebuild(swap: false, pruneCutoff: Timestamp(Date()).adding(seconds: -86400))
            #expect(report.matches, "projections rebuild --verify runs as the application role")
        }
    }
}
