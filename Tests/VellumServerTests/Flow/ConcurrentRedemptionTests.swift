import Foundation
import Testing
import VellumCore
import VellumStore
import VellumTestSupport

@Suite("Redemption across instances")
struct ConcurrentRedemptionTests {
    /// Two server instances on one database; 20 token requests for one code, split between them.
    @Test func twentyConcurrentRedemptionsOnTwoInstancesExactlyOneSucceeds() async throws {
        try await TestServer.with { first in
            try await TestServer.with(database: first.database) { second in
                let client = try await first.registerClient()
                try await first.createUser()
                var browser = Browser(first)
                let (flow, code) = try await browser.authorize(clientID: client.clientID)
                let basic = (client.clientID, client.secret!)

                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for attempt in 0..<20 {
                        let instance = attempt.isMultiple(of: 2) ? first : second
                        group.addTask { Int(try await instance.token(TestServer.codeForm(code), basic: basic).status.code) }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
                #expect(statuses.count { $0 == 200 } == 1)
                #expect(statuses.count { $0 == 400 } == 19)

                let types = try await first.flowEventTypes(flow)
                #expect(types.count { $0 == "AuthorizationCodeRedeemed" } == 1)
                #expect(types.count { $0 == "TokensIssued" } == 1)
                #expect(types.count { $0 == "CodeRedemptionRejected" } == 19)
                #expect(types.count { $0 == "TokensRevoked" } == 1)
                let report = try await ChainVerifier(client: first.store.client, logger: TestCluster.logger).verify()
                #expect(report.isValid)
            }
        }
    }
}

@Suite("Flow state kept between steps, across instances")
struct FlowStateAcrossInstancesTests {
    /// Each instance keeps the flow states it decided on. A refresh family rotated on one instance
    /// must be seen by the other, which decided on it earlier: presenting the retired token there is
    /// reuse, not a fresh rotation from a stale state.
    @Test func anInstanceCatchesUpWithRotationsMadeByAnother() async throws {
        try await TestServer.with { first in
            try await TestServer.with(database: first.database) { second in
                let client = try await first.registerClient(refreshTokens: true)
                try await first.createUser()
                var browser = Browser(first)
                let (flow, answer) = try await first.tokens(for: client, browser: &browser)
                let basic = (client.clientID, client.secret!)
                let original = try #require(answer.json["refresh_token"] as? String)

                // The first instance rotates once (and keeps the family's state at that version).
                let once = try await first.token([("grant_type", "refresh_token"), ("refresh_token", original)], basic: basic)
                let successor = try #require(once.json["refresh_token"] as? String)
                // The second rotates the successor: the first instance's kept state is now behind.
                let twice = try await second.token([("grant_type", "refresh_token"), ("refresh_token", successor)], basic: basic)
                #expect(twice.status == .ok)
                // Back on the first instance, the successor has been used: reuse, and the family revoked.
                let reused = try await first.token([("grant_type", "refresh_token"), ("refresh_token", successor)], basic: basic)
                #expect(reused.status == .badRequest)
                #expect(reused.error == "invalid_grant")
                let latest = try #require(twice.json["refresh_token"] as? String)
                let afterRevocation = try await first.token([("grant_type", "refresh_token"), ("refresh_token", latest)], basic: basic)
                #expect(afterRevocation.error == "invalid_grant", "the whole family is revoked")
                let types = try await first.flowEventTypes(flow)
                #expect(types.count { $0 == "RefreshTokenReuseDetected" } == 1)
                #expect(types.count { $0 == "RefreshTokenRotated" } == 2)
            }
        }
    }
}
