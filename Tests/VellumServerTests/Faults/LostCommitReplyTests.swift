import Foundation
import Testing
import VellumCore
import VellumServer
import VellumStore
import VellumTestSupport

/// The unknown outcome of an append: the connection drops after COMMIT took effect, before its
/// reply. A retry that decided again would see its own events as someone else's and record a theft
/// that never happened (a false `RefreshTokenReuseDetected` or `CodeRedemptionRejected`).
@Suite("A COMMIT whose reply is lost is not taken for someone else's write")
struct LostCommitReplyTests {
    @Test(.timeLimit(.minutes(2)))
    func aRedemptionAndARefreshWhoseCommitRepliesAreLostStillAnswerWithTheirTokens() async throws {
        let dropper = try await CommitDropper()
        defer { dropper.stop() }
        let database = dropper.configuration(for: try await TestCluster.makeDatabase())
        try await TestServer.with(database: database, configure: { $0.sealInterval = 3600; $0.maintenanceInterval = 3600 }) { server in
            let client = try await server.registerClient(refreshTokens: true)
            try await server.createUser()
            var browser = Browser(server)
            let (flow, code) = try await browser.authorize(clientID: client.clientID)

            try await dropper.arm()
            let redeemed = try await server.token(TestServer.codeForm(code), basic: (client.clientID, client.secret!))
            #expect(dropper.drops == 1, "the redemption's COMMIT reply was lost")
            #expect(redeemed.status == .ok, "the client gets its tokens: \(redeemed.json)")
            let refreshToken = try #require(redeemed.json["refresh_token"] as? String)
            #expect(try await server.isActive(try #require(redeemed.accessToken), client: client))

            try await dropper.arm()
            let refreshed = try await server.token([("grant_type", "refresh_token"), ("refresh_token", refreshToken)],
                                                   basic: (client.clientID, client.secret!))
            #expect(dropper.drops == 2, "the refresh's COMMIT reply was lost")
            #expect(refreshed.status == .ok, "\(refreshed.json)")
            #expect(try await server.isActive(try #require(refreshed.json["refresh_token"] as? String), client: client))

            // The log records what happened, once: no false reuse, no false rejection, nothing revoked.
            #expect(try await server.flowEventTypes(flow) == [
                "AuthorizationRequested", "UserAuthenticated", "ConsentGranted", "AuthorizationCodeIssued",
                "AuthorizationCodeRedeemed", "TokensIssued", "RefreshTokenRotated", "TokensIssued",
            ])
        }
    }
}
