import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing
@testable import VellumServer
import VellumCore
import VellumStore
import VellumTestSupport

/// Every refusal of the token endpoint (RFC 6749 §5.2), each recorded in the flow where a flow exists.
@Suite("Token endpoint errors")
struct TokenEndpointErrorTests {
    /// A client, and the flow and code that a whole authorize, login and consent gave it.
    private func codeFromAFlow(on server: TestServer) async throws -> (client: Administration.NewClient, flow: String, code: String) {
        let client = try await server.registerClient()
        try await server.createUser()
        var browser = Browser(server)
        let (flow, code) = try await browser.authorize(clientID: client.clientID)
        return (client, flow, code)
    }

    private func expectInvalidGrant(_ answer: TokenAnswer, _ reason: String, flow: String, server: TestServer) async throws {
        #expect(answer.status == .badRequest)
        #expect(answer.error == "invalid_grant")
        #expect(answer.headers[.cacheControl] == "no-store")
        let last = try #require(try await server.store.readStream("flow-\(flow)").last)
        #expect(last.type == "CodeRedemptionRejected")
        #expect(last.payload.contains(#""reason":"\#(reason)""#))
    }

    @Test func wrongVerifierMissingVerifierAndDifferentRedirectURI() async throws {
        try await TestServer.with { server in
            let (client, flow, code) = try await codeFromAFlow(on: server)
            let basic = (client.clientID, client.secret!)
            try await expectInvalidGrant(try await server.token(TestServer.codeForm(code, verifier: nil), basic: basic),
                                         "missing_verifier", flow: flow, server: server)
            try await expectInvalidGrant(try await server.token(TestServer.codeForm(code, redirectURI: "https://app.example/other"), basic: basic),
                                         "redirect_uri_mismatch", flow: flow, server: server)
            // Neither burned the code: the right request still succeeds.
            #expect(try await server.token(TestServer.codeForm(code), basic: basic).status == .ok)
        }
    }

    /// A code presented with a wrong verifier is in the hands of someone without the verifier:
    /// it never redeems afterwards, even with the right one.
    @Test func aWrongVerifierInvalidatesTheCode() async throws {
        try await TestServer.with { server in
            let (client, flow, code) = try await codeFromAFlow(on: server)
            let basic = (client.clientID, client.secret!)
            try await expectInvalidGrant(try await server.token(TestServer.codeForm(code, verifier: String(repeating: "x", count: 43)), basic: basic),
                                         "verifier_mismatch", flow: flow, server: server)
            try await expectInvalidGrant(try await server.token(TestServer.codeForm(code), basic: basic),
                                         "invalidated", flow: flow, server: server)
            #expect(try await server.flowEventTypes(flow).filter { $0 == "TokensIssued" }.isEmpty)
        }
    }

    @Test func codeIssuedToAnotherClient() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            let other = try await server.registerClient()
            try await server.createUser()
            var browser = Browser(server)
            let (flow, code) = try await browser.authorize(clientID: client.clientID)
            try await expectInvalidGrant(try await server.token(TestServer.codeForm(code), basic: (other.clientID, other.secret!)),
                                         "wrong_client", flow: flow, server: server)
        }
    }

    @Test func expiredCode() async throws {
        let clock = ManualClock()
        try await TestServer.with(configure: { $0.codeLifetime = 60; $0.clock = clock.read }) { server in
            let (client, flow, code) = try await codeFromAFlow(on: server)
            clock.advance(seconds: 60)
            try await expectInvalidGrant(try await server.token(TestServer.codeForm(code), basic: (client.clientID, client.secret!)),
                                         "expired", flow: flow, server: server)
        }
    }

    @Test func unknownCode() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            let answer = try await server.token(TestServer.codeForm("no-such-code"), basic: (client.clientID, client.secret!))
            #expect(answer.status == .badRequest)
            #expect(answer.error == "invalid_grant")
        }
    }

    @Test func wrongClientSecretIs401WithAChallenge() async throws {
        try await TestServer.with { server in
            let (client, flow, code) = try await codeFromAFlow(on: server)
            let basic = try await server.token(TestServer.codeForm(code), basic: (client.clientID, "wrong"))
            #expect(basic.status == .unauthorized)
            #expect(basic.error == "invalid_client")
            #expect(basic.headers[.wwwAuthenticate]?.hasPrefix("Basic") == true)
            let post = try await server.token(TestServer.codeForm(code, extra: [("client_id", client.clientID), ("client_secret", "wrong")]))
            #expect(post.status == .unauthorized)
            #expect(post.error == "invalid_client")
            let none = try await server.token(TestServer.codeForm(code))
            #expect(none.error == "invalid_client")
            // Client authentication failed before the code was looked at: nothing was recorded.
            #expect(try await server.store.readStream("flow-\(flow)").last?.type == "AuthorizationCodeIssued")
        }
    }

    @Test func getAndWrongContentTypeAreRefused() async throws {
        try await TestServer.with { server in
            let get = try await server.client.execute(uri: "/token?grant_type=authorization_code", method: .get) { $0 }
            #expect(get.status == .methodNotAllowed)
            #expect(String(buffer: get.body).contains("invalid_request"))
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            let json = try await server.client.execute(uri: "/token", method: .post, headers: headers,
                                                       body: ByteBuffer(string: #"{"grant_type":"authorization_code"}"#)) { $0 }
            #expect(json.status == .badRequest)
            #expect(String(buffer: json.body).contains("invalid_request"))
        }
    }

    @Test func repeatedParametersAndUnknownGrantTypes() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            let basic = (client.clientID, client.secret!)
            let repeated = try await server.token(TestServer.codeForm("c", extra: [("code", "d")]), basic: basic)
            #expect(repeated.status == .badRequest)
            #expect(repeated.error == "invalid_request")
            let password = try await server.token([("grant_type", "password")], basic: basic)
            #expect(password.error == "unsupported_grant_type")
            let refresh = try await server.token([("grant_type", "refresh_token")], basic: basic)
            #expect(refresh.error == "unauthorized_client")
            let missing = try await server.token([("code", "x")], basic: basic)
            #expect(missing.error == "invalid_request")
        }
    }

    @Test func aReusedCodeFailsAndRevokesTheTokensOfItsFirstUse() async throws {
        try await TestServer.with { server in
            let (client, flow, code) = try await codeFromAFlow(on: server)
            let basic = (client.clientID, client.secret!)
            let first = try await server.token(TestServer.codeForm(code), basic: basic)
            let claims = try await AuthorizationCodeFlowTests.verifyAccessToken(try #require(first.accessToken), server: server)
            #expect(try await revokedAt(claims.jti, server: server) == false)

            let second = try await server.token(TestServer.codeForm(code), basic: basic)
            #expect(second.status == .badRequest)
            #expect(second.error == "invalid_grant")
            #expect(try await revokedAt(claims.jti, server: server) == true)
            let events = try await server.store.readStream("flow-\(flow)")
            #expect(events.suffix(2).map(\.type) == ["CodeRedemptionRejected", "TokensRevoked"])
            #expect(events.last!.payload.contains(#""reason":"code_reuse""#))
        }
    }

    private func revokedAt(_ jti: String, server: TestServer) async throws -> Bool? {
        let rows = try await server.store.client.query("SELECT revoked_at IS NOT NULL FROM access_tokens WHERE jti = \(jti)")
        for try await revoked in rows.decode(Bool.self) { return revoked }
        return nil
    }
}
