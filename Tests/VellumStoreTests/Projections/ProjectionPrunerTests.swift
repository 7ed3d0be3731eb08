import Foundation
import PostgresNIO
import Testing
import VellumCore
import VellumStore
import VellumTestSupport

@Suite("Pruning the projections")
struct ProjectionPrunerTests {
    private func count(_ table: String, _ test: TestStore) async throws -> Int64 {
        try await test.client.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int8 FROM \(table)")).decode(Int64.self).reduce(0, +)
    }

    @Test func deadRowsGoTheLogStays() async throws {
        try await TestStore.with { test in
            let now = Timestamp(Date())
            let longAgo = now.adding(seconds: -7 * 86400)
            // Each flow's append names its command (recognised if retried after an unknown outcome).
            let commands = ["old": testMetadata(), "live": testMetadata()]
            func issued(_ jti: String, expires: Timestamp) throws -> ProposedEvent {
                ProposedEvent(type: TokensIssued.type, payload: try EventJSON.encode(TokensIssued(
                    accessTokenID: jti, accessTokenExpiresAt: expires, clientID: "c", subject: "u", scope: Scope(["openid"]),
                    grantType: "authorization_code", issuedAt: expires.adding(seconds: -600),
                    refreshToken: IssuedRefreshToken(hash: SecretHash(of: "r-\(jti)"), expiresAt: expires, familyExpiresAt: expires))),
                    metadata: commands[jti]!)
            }
            func code(_ name: String, expires: Timestamp) throws -> ProposedEvent {
                ProposedEvent(type: AuthorizationCodeIssued.type, payload: try EventJSON.encode(AuthorizationCodeIssued(
                    codeHash: SecretHash(of: name), clientID: "c", expiresAt: expires)), metadata: commands[name]!)
            }
            try await test.store.append(to: "flow-old", expected: .noStream, events: [try code("old", expires: longAgo), try issued("old", expires: longAgo)])
            try await test.store.append(to: "flow-live", expected: .noStream, events: [try code("live", expires: now.adding(seconds: 60)),
                                                                                       try issued("live", expires: now.adding(seconds: 3600))])
            #expect(try await count("access_tokens", test) == 2)

            let report = try await ProjectionPruner(client: test.client, logger: TestCluster.logger).prune(before: now.adding(seconds: -86400))
            #expect(report == .init(codes: 1, accessTokens: 1, refreshTokens: 1, sessions: 0))
            #expect(try await count("access_tokens", test) == 1)
            #expect(try await count("refresh_tokens", test) == 1)
            #expect(try await count("authorization_codes", test) == 1)
            #expect(try await count("events", test) == 4, "the log keeps everything")
            let again = try await ProjectionPruner(client: test.client, logger: TestCluster.logger).prune(before: now.adding(seconds: -86400))
            #expect(again.total == 0)
        }
    }
}
