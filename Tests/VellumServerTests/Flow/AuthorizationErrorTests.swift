import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import VellumCore
import VellumStore
import VellumTestSupport

/// Every refusal of the authorization endpoint (RFC 6749 §4.1.2.1) and the login and consent pages.
@Suite("Authorization endpoint errors")
struct AuthorizationErrorTests {
    /// Expects an error page: 400, HTML, and above all no redirect.
    private func expectErrorPage(_ response: TestResponse) {
        #expect(response.status == .badRequest)
        #expect(response.headers[.location] == nil)
        #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
    }

    /// Expects a redirect to the client carrying `error`, the state and the issuer.
    private func expectRedirectedError(_ response: TestResponse, _ error: String, server: TestServer) throws {
        #expect(response.status == .seeOther)
        let redirect = try #require(Redirect(response.headers[.location]))
        #expect(redirect.base == TestServer.redirectURI)
        #expect(redirect.parameters["error"] == error)
        #expect(redirect.parameters["error_description"]?.isEmpty == false)
        #expect(redirect.parameters["state"] == "st-1")
        #expect(redirect.parameters["iss"] == server.issuer)
    }

    @Test func unknownClientGetsAnErrorPageAndNoRedirect() async throws {
        try await TestServer.with { server in
            var browser = Browser(server)
            expectErrorPage(try await browser.get(Browser.authorizeURI(clientID: "c_nobody")))
            expectErrorPage(try await browser.get(Browser.authorizeURI(clientID: "c_nobody", overrides: ["client_id": nil])))
        }
    }

    @Test func unregisteredRedirectURIGetsAnErrorPageAndNoRedirect() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            var browser = Browser(server)
            for uri in ["https://evil.example/cb", "https://app.example/cb/extra", "https://app.example/cb?x=1"] {
                expectErrorPage(try await browser.get(Browser.authorizeURI(clientID: client.clientID, overrides: ["redirect_uri": uri])))
            }
        }
    }

    @Test func missingOrWrongResponseType() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            var browser = Browser(server)
            try expectRedirectedError(try await browser.get(Browser.authorizeURI(clientID: client.clientID, overrides: ["response_type": nil])),
                                      "invalid_request", server: server)
            try expectRedirectedError(try await browser.get(Browser.authorizeURI(clientID: client.clientID, overrides: ["response_type": "token"])),
                                      "unsupported_response_type", server: server)
        }
    }

    @Test func publicClientWithoutPKCEAndPlainPKCEAreRefused() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient(isPublic: true)
            var browser = Browser(server)
            try expectRedirectedError(try await browser.get(Browser.authorizeURI(
                clientID: client.clientID, overrides: ["code_challenge": nil, "code_challenge_method": nil])), "invalid_request", server: server)
            try expectRedirectedError(try await browser.get(Browser.authorizeURI(
                clientID: client.clientID, overrides: ["code_challenge": PKCEPair.verifier, "code_challenge_method": "plain"])),
                "invalid_request", server: server)
        }
    }

    @Test func repeatedParametersAreRefused() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            var browser = Browser(server)
            let uri = Browser.authorizeURI(clientID: client.clientID)
            try expectRedirectedError(try await browser.get(uri + "&scope=email"), "invalid_request", server: server)
            expectErrorPage(try await browser.get(uri + "&client_id=\(client.clientID)"))
        }
    }

    @Test func scopeBeyondTheClientsIsRefused() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient(scope: "openid")
            var browser = Browser(server)
            try expectRedirectedError(try await browser.get(Browser.authorizeURI(clientID: client.clientID, overrides: ["scope": "openid admin"])),
                                      "invalid_scope", server: server)
        }
    }

    @Test func deniedConsentRedirectsWithAccessDenied() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            try await server.createUser()
            var browser = Browser(server)
            let flow = try await browser.startFlow(clientID: client.clientID)
            #expect(try await browser.logIn(flow: flow).status == .seeOther)
            try expectRedirectedError(try await browser.consent(flow: flow, decision: "deny"), "access_denied", server: server)
            #expect(try await server.flowEventTypes(flow) == ["AuthorizationRequested", "UserAuthenticated", "ConsentDenied"])
        }
    }

    @Test func wrongPasswordIsRecordedAndTheFormShownAgain() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            try await server.createUser()
            var browser = Browser(server)
            let flow = try await browser.startFlow(clientID: client.clientID)
            let wrong = try await browser.logIn(flow: flow, password: "not the password")
            #expect(wrong.status == .unauthorized)
            #expect(String(buffer: wrong.body).contains("Wrong username or password."))
            let unknown = try await browser.logIn(flow: flow, username: "mallory")
            #expect(unknown.status == .unauthorized)
            #expect(try await browser.logIn(flow: flow).status == .seeOther)
            let events = try await server.store.readStream("flow-\(flow)")
            #expect(events.map(\.type) == ["AuthorizationRequested", "AuthenticationFailed", "AuthenticationFailed", "UserAuthenticated"])
            #expect(events[1].payload.contains(#""reason":"wrong_password""#))
            #expect(events[2].payload.contains(#""reason":"unknown_user""#) && events[2].payload.contains("mallory"))
            #expect(!events.contains { $0.payload.contains("not the password") })
        }
    }

    @Test func aFormWithoutTheBrowsersCSRFTokenIsRefused() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            try await server.createUser()
            var browser = Browser(server)
            let flow = try await browser.startFlow(clientID: client.clientID)
            let forged = try await browser.post("/login", form: [
                ("flow", flow), ("csrf_token", "forged"), ("username", "alice"), ("password", TestServer.password)])
            #expect(forged.status == .forbidden)
            // Another browser (no cookie) with this browser's token is refused too.
            let page = try await browser.get("/login?flow=\(flow)")
            let token = try #require(Browser.hiddenValue("csrf_token", in: String(buffer: page.body)))
            var attacker = Browser(server)
            let stolen = try await attacker.post("/login", form: [
                ("flow", flow), ("csrf_token", token), ("username", "alice"), ("password", TestServer.password)])
            #expect(stolen.status == .forbidden)
            #expect(try await server.flowEventTypes(flow) == ["AuthorizationRequested"])
        }
    }

    @Test func consentBelongsToTheBrowserThatLoggedIn() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            try await server.createUser()
            var browser = Browser(server)
            let flow = try await browser.startFlow(clientID: client.clientID)
            _ = try await browser.logIn(flow: flow)
            var other = Browser(server)
            #expect(try await other.get("/consent?flow=\(flow)").status == .forbidden)
        }
    }
}
