import Foundation
import HTTPTypes
import JWTKit
import Testing
import VellumCore
import VellumServer
import VellumStore
import VellumTestSupport

/// An access token's audience, as a resource server reads it.
struct AudienceClaims: JWTPayload {
    let aud: AudienceClaim
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

@Suite("Access token audience (RFC 8707, RFC 9068), RP-initiated logout, reuse detection after pruning")
struct AudienceAndLogoutTests {
    private static func audience(_ token: String, server: TestServer) async throws -> [String] {
        let keys = JWTKeyCollection()
        try await keys.add(jwksJSON: try await server.client.execute(uri: "/jwks.json", method: .get) { String(buffer: $0.body) })
        return try await keys.verify(token, as: AudienceClaims.self).aud.value
    }

    @Test func theAudienceIsTheResourceAskedFor() async throws {
        try await TestServer.with(configure: { $0.defaultAudience = ["https://api.example"] }) { server in
            let client = try await server.registerClient()
            try await server.createUser()
            var browser = Browser(server)
            let (_, plain) = try await server.tokens(for: client, browser: &browser)
            #expect(try await Self.audience(try #require(plain.accessToken), server: server) == ["https://api.example"])

            var second = Browser(server)
            let (_, code) = try await second.authorize(clientID: client.clientID, overrides: ["resource": "https://files.example"])
            let outside = try await server.token(TestServer.codeForm(code, extra: [("resource", "https://other.example")]),
                                                 basic: (client.clientID, client.secret!))
            #expect(outside.error == "invalid_target")
            var third = Browser(server)
            let (_, code3) = try await third.authorize(clientID: client.clientID, overrides: ["resource": "https://files.example"])
            let answer = try await server.token(TestServer.codeForm(code3), basic: (client.clientID, client.secret!))
            #expect(try await Self.audience(try #require(answer.accessToken), server: server) == ["https://files.example"])
            let introspection = try await server.postForm("/introspect", [("token", try #require(answer.accessToken))],
                                                          basic: (client.clientID, client.secret!))
            #expect(introspection.json["aud"] as? [String] == ["https://files.example"])

            // Several resources (RFC 8707 §2: `resource` may repeat), narrowed at the token endpoint.
            var fourth = Browser(server)
            let (_, code4) = try await fourth.authorize(clientID: client.clientID, overrides: ["resource": "https://files.example"])
            let two = try await server.token(TestServer.codeForm(code4, extra: [("resource", "https://files.example"), ("resource", "https://files.example")]),
                                             basic: (client.clientID, client.secret!))
            #expect(two.status == .ok, "a repeated resource is not a repeated parameter error")
        }
    }

    @Test func logoutReturnsToARegisteredURIOnlyAndAfterConfirmation() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient(postLogoutRedirectURIs: ["https://app.example/bye"])
            try await server.createUser()
            var browser = Browser(server)
            let (_, tokens) = try await server.tokens(for: client, browser: &browser)
            let hint = try #require(tokens.json["id_token"] as? String)

            let unregistered = try await browser.get("/logout?" + FormBody.encode([
                ("id_token_hint", hint), ("post_logout_redirect_uri", "https://evil.example/")]))
            #expect(unregistered.status == .badRequest && unregistered.headers[.location] == nil)
            let forged = try await browser.get("/logout?" + FormBody.encode([
                ("id_token_hint", "eyJhbGciOiJFUzI1NiJ9.e30.c2ln"), ("post_logout_redirect_uri", "https://app.example/bye")]))
            #expect(forged.status == .badRequest)

            let confirm = try await browser.get("/logout?" + FormBody.encode([
                ("id_token_hint", hint), ("post_logout_redirect_uri", "https://app.example/bye"), ("state", "s-9")]))
            #expect(confirm.status == .ok)
            #expect(confirm.headers[.contentSecurityPolicy]?.contains("form-action 'self' https://app.example;") == true)
            let html = String(buffer: confirm.body)
            let csrf = try #require(Browser.hiddenValue("csrf_token", in: html))
            let answer = try await browser.post("/logout", form: [
                ("csrf_token", csrf), ("decision", "logout"), ("id_token_hint", hint),
                ("post_logout_redirect_uri", "https://app.example/bye"), ("state", "s-9")])
            #expect(answer.status == .seeOther)
            #expect(answer.headers[.location] == "https://app.example/bye?state=s-9")
            #expect(browser.cookies["__Host-vellum_session"] == "")
        }
    }

    @Test func aReusedRefreshTokenAndARedeemedCodeAreRecognisedAfterPruning() async throws {
        let clock = ManualClock()
        try await TestServer.with(configure: {
            $0.clock = clock.read
            $0.refreshTokenIdleLifetime = 100
            $0.refreshTokenLifetime = 10_000
        }) { server in
            let client = try await server.registerClient(refreshTokens: true)
            try await server.createUser()
            var browser = Browser(server)
            let (flow, code) = try await browser.authorize(clientID: client.clientID)
            let first = try await server.token(TestServer.codeForm(code), basic: (client.clientID, client.secret!))
            let r0 = try #require(first.json["refresh_token"] as? String)
            clock.advance(seconds: 90)
            let second = try await server.token([("grant_type", "refresh_token"), ("refresh_token", r0)], basic: (client.clientID, client.secret!))
            let r1 = try #require(second.json["refresh_token"] as? String)
            // r0 (and the code) expired long ago; r1 still lives. The pruner runs with no grace.
            clock.advance(seconds: 60)
            try await ProjectionPruner(client: server.store.client, logger: TestCluster.logger).prune(before: clock.read())

            let replayedCode = try await server.token(TestServer.codeForm(code), basic: (client.clientID, client.secret!))
            #expect(replayedCode.error == "invalid_grant")
            let reused = try await server.token([("grant_type", "refresh_token"), ("refresh_token", r0)], basic: (client.clientID, client.secret!))
            #expect(reused.error == "invalid_grant")
            let types = try await server.flowEventTypes(flow)
            #expect(types.contains("CodeRedemptionRejected"), "a redeemed code presented after pruning is still recognised")
            #expect(types.contains("RefreshTokenReuseDetected"), "a rotated token presented after pruning is still reuse")
            #expect(!(try await server.isActive(r1, client: client)), "and its family is revoked")
        }
    }
}
