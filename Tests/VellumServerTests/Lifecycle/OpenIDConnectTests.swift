import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import NIOCore
import Testing
import VellumCore
import VellumServer
import VellumStore
import VellumTestSupport

struct IDClaims: JWTPayload {
    let iss: String
    let sub: String
    let aud: String
    let exp: Int
    let iat: Int
    let auth_time: Int?
    let nonce: String?
    let at_hash: String

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

@Suite("OpenID Connect, userinfo and key rotation")
struct OpenIDConnectTests {
    @Test func theIDTokenCarriesTheClaimsAndEchoesTheNonce() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            let userID = try await server.createUser()
            var browser = Browser(server)
            let (_, tokens) = try await server.tokens(for: client, browser: &browser, overrides: ["nonce": "n-0S6_WzA2Mj"])
            let idToken = try #require(tokens.json["id_token"] as? String)
            let jwks = try await server.client.execute(uri: "/jwks.json", method: .get) { String(buffer: $0.body) }
            let keys = JWTKeyCollection()
            try await keys.add(jwksJSON: jwks)
            let claims = try await keys.verify(idToken, as: IDClaims.self)
            #expect(claims.iss == server.issuer)
            #expect(claims.sub == userID)
            #expect(claims.aud == client.clientID)
            #expect(claims.nonce == "n-0S6_WzA2Mj")
            #expect(claims.exp > claims.iat)
            #expect(claims.auth_time.map { abs($0 - claims.iat) < 60 } == true)
            let accessToken = try #require(tokens.accessToken)
            #expect(claims.at_hash == Base64URL.encode(Data(SHA256.hash(data: Data(accessToken.utf8))).prefix(16)))
        }
    }

    @Test func noIDTokenWithoutOpenID() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            try await server.createUser()
            var browser = Browser(server)
            let (_, tokens) = try await server.tokens(for: client, browser: &browser, overrides: ["scope": "profile"])
            #expect(tokens.json["id_token"] == nil)
        }
    }

    @Test func userinfoAnswersForAnActiveOpenIDToken() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            let userID = try await server.createUser()
            var browser = Browser(server)
            let (_, tokens) = try await server.tokens(for: client, browser: &browser)
            let access = try #require(tokens.accessToken)
            func userinfo(_ token: String?) async throws -> (HTTPResponse.Status, [String: Any], String?) {
                var headers = HTTPFields()
                if let token { headers[.authorization] = "Bearer \(token)" }
                return try await server.client.execute(uri: "/userinfo", method: .get, headers: headers) { response in
                    (response.status, (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:],
                     response.headers[.wwwAuthenticate])
                }
            }
            let (status, claims, _) = try await userinfo(access)
            #expect(status == .ok)
            #expect(claims["sub"] as? String == userID)
            #expect(claims["preferred_username"] as? String == "alice")
            let (missing, _, challenge) = try await userinfo(nil)
            #expect(missing == .unauthorized)
            #expect(challenge?.hasPrefix("Bearer") == true)
            _ = try await server.postForm("/revoke", [("token", access)], basic: (client.clientID, client.secret!))
            let (revoked, _, revokedChallenge) = try await userinfo(access)
            #expect(revoked == .unauthorized)
            #expect(revokedChallenge?.contains("invalid_token") == true)
        }
    }

    @Test func keysRotateWhileTokensSignedByTheOldKeyStillVerify() async throws {
        try await TestServer.with(configure: { $0.maintenanceInterval = 1 }) { server in
            let client = try await server.registerClient()
            try await server.createUser()
            var browser = Browser(server)
            let (_, before) = try await server.tokens(for: client, browser: &browser)
            let oldToken = try #require(before.accessToken)
            let oldKID = try Self.kid(of: oldToken)

            let newKID = try await Administration.rotateSigningKey(
                activationDelay: 0, store: server.store, masterKey: TestServer.masterKey, metadata: server.operatorMetadata)
            #expect(newKID != oldKID)
            // The maintenance round (every second here) activates the new key on the running server.
            var newToken: String?
            for _ in 0..<50 {
                try await Task.sleep(for: .milliseconds(200))
                var fresh = Browser(server)
                let (_, answer) = try await server.tokens(for: client, browser: &fresh)
                if let token = answer.accessToken, try Self.kid(of: token) == newKID {
                    newToken = token
                    break
                }
            }
            let rotated = try #require(newToken, "tokens are signed with the new key after activation")
            let jwks = try await server.client.execute(uri: "/jwks.json", method: .get) { String(buffer: $0.body) }
            #expect(jwks.contains(oldKID) && jwks.contains(newKID), "both keys are published while old tokens live")
            let keys = JWTKeyCollection()
            try await keys.add(jwksJSON: jwks)
            _ = try await keys.verify(oldToken, as: AccessClaims.self)
            _ = try await keys.verify(rotated, as: AccessClaims.self)
            let types = try await server.store.readStream("keys").map(\.type)
            #expect(types == ["SigningKeyCreated", "SigningKeyActivated", "SigningKeyCreated", "SigningKeyActivated"])
        }
    }

    static func kid(of token: String) throws -> String {
        let header = try #require(Base64URL.decode(String(token.split(separator: ".")[0])))
        return try #require((try JSONSerialization.jsonObject(with: header) as? [String: Any])?["kid"] as? String)
    }
}
