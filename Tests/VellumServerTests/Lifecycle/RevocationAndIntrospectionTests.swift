import Foundation
import HTTPTypes
import Testing
import VellumCore
import VellumStore
import VellumTestSupport

@Suite("Revocation (RFC 7009) and introspection (RFC 7662)")
struct RevocationAndIntrospectionTests {
    @Test func introspectionOfAnActiveAccessTokenHasEveryField() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient(refreshTokens: true)
            let userID = try await server.createUser()
            var browser = Browser(server)
            let (_, tokens) = try await server.tokens(for: client, browser: &browser)
            let answer = try await server.postForm("/introspect", [("token", try #require(tokens.accessToken))],
                                                   basic: (client.clientID, client.secret!))
            #expect(answer.status == .ok)
            #expect(answer.headers[.cacheControl] == "no-store")
            #expect(answer.json["active"] as? Bool == true)
            #expect(answer.json["scope"] as? String == "openid profile")
            #expect(answer.json["client_id"] as? String == client.clientID)
            #expect(answer.json["sub"] as? String == userID)
            #expect(answer.json["token_type"] as? String == "Bearer")
            #expect(answer.json["iss"] as? String == server.issuer)
            #expect(answer.json["aud"] as? [String] == [server.issuer], "the access token's audience: a resource, not the client")
            #expect(answer.json["jti"] is String)
            let iat = try #require(answer.json["iat"] as? Int)
            #expect(answer.json["exp"] as? Int == iat + 600)

            let refresh = try await server.postForm("/introspect", [("token", try #require(tokens.json["refresh_token"] as? String))],
                                                    basic: (client.clientID, client.secret!))
            #expect(refresh.json["active"] as? Bool == true)
            #expect(refresh.json["token_type"] as? String == "refresh_token")
        }
    }

    @Test func introspectionRequiresClientAuthenticationAndHidesOtherClientsTokens() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            let other = try await server.registerClient()
            try await server.createUser()
            var browser = Browser(server)
            let (_, tokens) = try await server.tokens(for: client, browser: &browser)
            let token = try #require(tokens.accessToken)
            let anonymous = try await server.postForm("/introspect", [("token", token)], basic: nil)
            #expect(anonymous.status == .unauthorized)
            let wrongSecret = try await server.postForm("/introspect", [("token", token)], basic: (client.clientID, "wrong"))
            #expect(wrongSecret.status == .unauthorized)
            #expect(!(try await server.isActive(token, client: other)), "another client's token is inactive to it")
            #expect(!(try await server.isActive("not-a-token", client: client)))
            // A token with a valid shape but a forged signature is inactive.
            let parts = token.split(separator: ".")
            #expect(!(try await server.isActive("\(parts[0]).\(parts[1]).\(String(repeating: "A", count: 86))", client: client)))
        }
    }

    @Test func revokingAnAccessTokenAndARefreshTokenFamily() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient(refreshTokens: true)
            try await server.createUser()
            var browser = Browser(server)
            let basic = (client.clientID, client.secret!)
            let (flow, tokens) = try await server.tokens(for: client, browser: &browser)
            let access = try #require(tokens.accessToken)
            let refresh = try #require(tokens.json["refresh_token"] as? String)

            let revokeAccess = try await server.postForm("/revoke", [("token", access), ("token_type_hint", "access_token")], basic: basic)
            #expect(revokeAccess.status == .ok)
            #expect(!(try await server.isActive(access, client: client)))
            #expect(try await server.isActive(refresh, client: client), "revoking the access token leaves the refresh token")

            #expect(try await server.postForm("/revoke", [("token", refresh)], basic: basic).status == .ok)
            #expect(!(try await server.isActive(refresh, client: client)))
            let refreshed = try await server.token([("grant_type", "refresh_token"), ("refresh_token", refresh)], basic: basic)
            #expect(refreshed.error == "invalid_grant")
            let reasons = try await server.store.readStream("flow-\(flow)").filter { $0.type == "TokensRevoked" }.map(\.payload)
            #expect(reasons.count == 2 && reasons.allSatisfy { $0.contains(#""reason":"client_request""#) })
        }
    }

    @Test func unknownRevokedAndForeignTokensAnswer200AndForeignOnesSurvive() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            let other = try await server.registerClient()
            try await server.createUser()
            var browser = Browser(server)
            let (_, tokens) = try await server.tokens(for: client, browser: &browser)
            let access = try #require(tokens.accessToken)
            #expect(try await server.postForm("/revoke", [("token", "unknown")], basic: (client.clientID, client.secret!)).status == .ok)
            #expect(try await server.postForm("/revoke", [("token", access)], basic: (other.clientID, other.secret!)).status == .ok)
            #expect(try await server.isActive(access, client: client), "another client cannot revoke it")
            #expect(try await server.postForm("/revoke", [("token", access)], basic: (client.clientID, client.secret!)).status == .ok)
            #expect(try await server.postForm("/revoke", [("token", access)], basic: (client.clientID, client.secret!)).status == .ok)
            #expect(!(try await server.isActive(access, client: client)))
            let unauthenticated = try await server.postForm("/revoke", [("token", access)], basic: nil)
            #expect(unauthenticated.status == .unauthorized)
            let badHint = try await server.postForm("/revoke", [("token", access), ("token_type_hint", "id_token")],
                                                    basic: (client.clientID, client.secret!))
            #expect(badHint.error == "unsupported_token_type")
        }
    }

    @Test func anExpiredAccessTokenIsInactiveByTimeAlone() async throws {
        let clock = ManualClock()
        try await TestServer.with(configure: { $0.accessTokenLifetime = 60; $0.clock = clock.read }) { server in
            let client = try await server.registerClient()
            try await server.createUser()
            var browser = Browser(server)
            let (_, tokens) = try await server.tokens(for: client, browser: &browser)
            let access = try #require(tokens.accessToken)
            clock.advance(seconds: 59)
            #expect(try await server.isActive(access, client: client))
            clock.advance(seconds: 1)
            #expect(!(try await server.isActive(access, client: client)))
        }
    }
}
