import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import NIOCore
import PostgresNIO
import Testing
import VellumCore
import VellumStore
import VellumTestSupport

/// The claims a resource server reads from Vellum's access tokens (RFC 9068).
struct AccessClaims: JWTPayload {
    let iss: String
    let sub: String
    let aud: String
    let client_id: String
    let scope: String
    let jti: String
    let iat: Int
    let exp: Int

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

@Suite("The authorization code flow, end to end over HTTP")
struct AuthorizationCodeFlowTests {
    /// Fetches `/jwks.json` and verifies `token` against it, as a resource server would.
    static func verifyAccessToken(_ token: String, server: TestServer) async throws -> AccessClaims {
        let jwks = try await server.client.execute(uri: "/jwks.json", method: .get) { String(buffer: $0.body) }
        let keys = JWTKeyCollection()
        try await keys.add(jwksJSON: jwks)
        let header = try #require(Base64URL.decode(String(token.split(separator: ".")[0])))
        let fields = try #require(try JSONSerialization.jsonObject(with: header) as? [String: Any])
        #expect(fields["typ"] as? String == "at+jwt")
        #expect(fields["alg"] as? String == "ES256")
        #expect(fields["kid"] is String)
        return try await keys.verify(token, as: AccessClaims.self)
    }

    private func runFlow(authMethod: ClientAuthenticationMethod, isPublic: Bool) async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient(isPublic: isPublic, authMethod: authMethod)
            let userID = try await server.createUser()
            var browser = Browser(server)
            let (flow, code) = try await browser.authorize(clientID: client.clientID)

            var form = TestServer.codeForm(code)
            var basic: (String, String)?
            switch authMethod {
            case .clientSecretBasic: basic = (client.clientID, client.secret!)
            case .clientSecretPost: form += [("client_id", client.clientID), ("client_secret", client.secret!)]
            case .none: form.append(("client_id", client.clientID))
            }
            let answer = try await server.token(form, basic: basic)
            #expect(answer.status == .ok)
            #expect(answer.headers[.cacheControl] == "no-store")
            #expect(answer.json["token_type"] as? String == "Bearer")
            #expect(answer.json["scope"] as? String == "openid profile")
            #expect(answer.json["expires_in"] as? Int == 600)

            let claims = try await Self.verifyAccessToken(try #require(answer.accessToken), server: server)
            #expect(claims.iss == server.issuer)
            #expect(claims.sub == userID)
            #expect(claims.client_id == client.clientID)
            // RFC 9068 §3: the audience is a resource (by default the issuer, for /userinfo), not the client.
            #expect(claims.aud == server.issuer)
            #expect(claims.scope == "openid profile")
            #expect(claims.exp - claims.iat == 600)

            #expect(try await server.flowEventTypes(flow) == [
                "AuthorizationRequested", "UserAuthenticated", "ConsentGranted", "AuthorizationCodeIssued",
                "AuthorizationCodeRedeemed", "TokensIssued",
            ])
            let tokens = try await server.store.readStream("flow-\(flow)").last!
            #expect(tokens.payload.contains(#""access_token_id":"\#(claims.jti)""#))
            #expect(tokens.metadata.contains(#""actor":{"id":"\#(client.clientID)","kind":"client"}"#))
        }
    }

    @Test func confidentialClientWithBasicAuthentication() async throws {
        try await runFlow(authMethod: .clientSecretBasic, isPublic: false)
    }

    @Test func confidentialClientWithPostAuthentication() async throws {
        try await runFlow(authMethod: .clientSecretPost, isPublic: false)
    }

    @Test func publicClientWithPKCE() async throws {
        try await runFlow(authMethod: .none, isPublic: true)
    }

    @Test func everyEventCarriesItsMetadata() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            try await server.createUser()
            var browser = Browser(server)
            let (flow, _) = try await browser.authorize(clientID: client.clientID)
            let events = try await server.store.readStream("flow-\(flow)")
            for event in events {
                let metadata = try EventJSON.decodeValue(EventMetadata.self, from: event.metadata)
                #expect(metadata.requestID?.isEmpty == false)
                #expect(metadata.remoteIP == "127.0.0.1")
                #expect(metadata.userAgent == "VellumTests/1.0")
                #expect(!metadata.instance.isEmpty)
            }
            let actors = try events.map { try EventJSON.decodeValue(EventMetadata.self, from: $0.metadata).actor.kind }
            #expect(actors == ["client", "user", "user", "user"])
        }
    }

    @Test func aBrowserWithASessionSkipsTheLoginPage() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            try await server.createUser()
            var browser = Browser(server)
            _ = try await browser.authorize(clientID: client.clientID)
            let second = try await browser.get(Browser.authorizeURI(clientID: client.clientID))
            let location = try #require(second.headers[.location])
            #expect(location.hasPrefix("/consent?flow="))
            let flow = String(location.split(separator: "=").last!)
            let events = try await server.store.readStream("flow-\(flow)")
            #expect(events.map(\.type) == ["AuthorizationRequested", "UserAuthenticated"])
            #expect(events[1].payload.contains(#""method":"session""#))
        }
    }

    @Test func discoveryListsEveryEndpoint() async throws {
        try await TestServer.with { server in
            for path in ["/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"] {
                let body = try await server.client.execute(uri: path, method: .get) { Data(buffer: $0.body) }
                let metadata = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
                #expect(metadata["issuer"] as? String == server.issuer)
                #expect(metadata["authorization_endpoint"] as? String == server.issuer + "/authorize")
                #expect(metadata["token_endpoint"] as? String == server.issuer + "/token")
                #expect(metadata["jwks_uri"] as? String == server.issuer + "/jwks.json")
                #expect(metadata["revocation_endpoint"] as? String == server.issuer + "/revoke")
                #expect(metadata["introspection_endpoint"] as? String == server.issuer + "/introspect")
                #expect(metadata["userinfo_endpoint"] as? String == server.issuer + "/userinfo")
                #expect(metadata["id_token_signing_alg_values_supported"] as? [String] == ["ES256"])
                #expect(metadata["subject_types_supported"] as? [String] == ["public"])
                #expect((metadata["claims_supported"] as? [String])?.contains("nonce") == true)
                #expect(metadata["grant_types_supported"] as? [String] == ["authorization_code", "refresh_token"])
                #expect(metadata["code_challenge_methods_supported"] as? [String] == ["S256"])
                #expect(metadata["response_types_supported"] as? [String] == ["code"])
                #expect(metadata["authorization_response_iss_parameter_supported"] as? Bool == true)
                #expect(Set(metadata["token_endpoint_auth_methods_supported"] as? [String] ?? [])
                        == ["client_secret_basic", "client_secret_post", "none"])
            }
        }
    }

    @Test func pagesCarryTheSecurityHeadersAndEscapeNames() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            var browser = Browser(server)
            let flow = try await browser.startFlow(clientID: client.clientID)
            let page = try await browser.get("/login?flow=\(flow)")
            #expect(page.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            #expect(page.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
            #expect(page.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
            #expect(page.headers[.cacheControl] == "no-store")
            let html = String(buffer: page.body)
            #expect(html.contains("Test &lt;App&gt;"))
            #expect(!html.contains("Test <App>"))
            #expect(html.contains(#"name="username""#) && html.contains(#"name="password""#))
            #expect(browser.cookies["__Host-vellum_csrf"] != nil)
        }
    }

    @Test func noSecretIsStoredInClear() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient(refreshTokens: true)
            try await server.createUser()
            var browser = Browser(server)
            let (_, code) = try await browser.authorize(clientID: client.clientID)
            let answer = try await server.token(TestServer.codeForm(code), basic: (client.clientID, client.secret!))
            let accessToken = try #require(answer.accessToken)
            let idToken = try #require(answer.json["id_token"] as? String)
            let refreshToken = try #require(answer.json["refresh_token"] as? String)
            let refreshed = try await server.token([("grant_type", "refresh_token"), ("refresh_token", refreshToken)],
                                                   basic: (client.clientID, client.secret!))
            let session = try #require(browser.cookies["__Host-vellum_session"])
            let secrets = [code, accessToken, idToken, refreshToken, try #require(refreshed.json["refresh_token"] as? String),
                           try #require(refreshed.accessToken), client.secret!, TestServer.password, session,
                           try #require(browser.cookies["__Host-vellum_csrf"])]

            let dump = try await withConnection(server.database) { connection in
                var text = ""
                let tables = try await connection.query(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'", logger: TestCluster.logger)
                for try await table in tables.decode(String.self) {
                    let rows = try await connection.query(
                        PostgresQuery(unsafeSQL: "SELECT t::text FROM \"\(table)\" AS t"), logger: TestCluster.logger)
                    for try await row in rows.decode(String.self) { text += row + "\n" }
                }
                return text
            }
            #expect(dump.contains(client.clientID), "the dump should hold the data")
            for secret in secrets {
                #expect(!dump.contains(secret), "a secret appears in clear in the database")
            }
        }
    }
}
