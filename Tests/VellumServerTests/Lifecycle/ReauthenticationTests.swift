import Foundation
import HTTPTypes
import JWTKit
import Testing
import VellumCore
import VellumServer
import VellumStore
import VellumTestSupport

@Suite("OpenID Connect re-authentication: prompt and max_age over HTTP")
struct ReauthenticationTests {
    /// A browser that has signed in once (a live session), and the client it signed in to.
    private static func signedIn(_ server: TestServer, refreshTokens: Bool = false) async throws -> (Browser, Administration.NewClient) {
        let client = try await server.registerClient(refreshTokens: refreshTokens)
        try await server.createUser()
        var browser = Browser(server)
        _ = try await browser.authorize(clientID: client.clientID)
        return (browser, client)
    }

    /// The ID token's `auth_time` after redeeming `code`.
    private static func authTime(_ server: TestServer, client: Administration.NewClient, code: String) async throws -> Int? {
        let answer = try await server.token(TestServer.codeForm(code), basic: (client.clientID, client.secret!))
        let idToken = try #require(answer.json["id_token"] as? String)
        let keys = JWTKeyCollection()
        try await keys.add(jwksJSON: try await server.client.execute(uri: "/jwks.json", method: .get) { String(buffer: $0.body) })
        return try await keys.verify(idToken, as: IDClaims.self).auth_time
    }

    @Test func promptLoginAsksForThePasswordDespiteALiveSession() async throws {
        try await TestServer.with { server in
            var (browser, client) = try await Self.signedIn(server)
            let start = try await browser.get(Browser.authorizeURI(clientID: client.clientID, overrides: ["prompt": "login"]))
            let location = try #require(start.headers[.location])
            #expect(location.hasPrefix("/login?flow=") && location.hasSuffix("&reauthenticate=1"))
            let flow = String(location.dropFirst("/login?flow=".count).prefix(36))
            let page = String(buffer: try await browser.get(location).body)
            #expect(page.contains("Confirm it") && page.contains(#"value="alice""#), "the page says why and names the signed-in user")
            let csrf = try #require(Browser.hiddenValue("csrf_token", in: page))
            let login = try await browser.post("/login", form: [("flow", flow), ("csrf_token", csrf), ("username", "alice"),
                                                               ("password", TestServer.password)])
            #expect(login.headers[.location] == "/consent?flow=\(flow)")
            let authenticated = try #require(try await server.store.readStream("flow-\(flow)").first { $0.type == "UserAuthenticated" })
            #expect(authenticated.payload.contains(#""method":"password""#))
        }
    }

    @Test func maxAgeZeroForcesTheLoginAndALargeMaxAgeUsesTheSession() async throws {
        try await TestServer.with { server in
            var (browser, client) = try await Self.signedIn(server)
            let zero = try await browser.get(Browser.authorizeURI(clientID: client.clientID, overrides: ["max_age": "0"]))
            #expect(zero.headers[.location]?.hasPrefix("/login?flow=") == true)
            let large = try await browser.get(Browser.authorizeURI(clientID: client.clientID, overrides: ["max_age": "3600"]))
            #expect(large.headers[.location]?.hasPrefix("/consent?flow=") == true)
        }
    }

    @Test func authTimeIsTheLoginThatSatisfiedTheRequest() async throws {
        let clock = ManualClock()
        try await TestServer.with(configure: { $0.clock = clock.read }) { server in
            var (browser, client) = try await Self.signedIn(server)
            let firstLogin = clock.read().secondsSinceEpoch
            clock.advance(seconds: 100)

            // Within max_age: the session's login answers, and auth_time is when it happened.
            let reused = try await browser.get(Browser.authorizeURI(clientID: client.clientID, overrides: ["max_age": "1000"]))
            let reusedFlow = String(try #require(reused.headers[.location]).dropFirst("/consent?flow=".count))
            let reusedCode = try #require(Redirect(try await browser.consent(flow: reusedFlow).headers[.location])?.parameters["code"])
            #expect(try await Self.authTime(server, client: client, code: reusedCode) == Int(firstLogin))

            // Older than max_age: a fresh login, and auth_time is now.
            let flow = try await browser.startFlow(clientID: client.clientID, overrides: ["max_age": "10"])
            #expect(try await browser.logIn(flow: flow).status == .seeOther)
            let code = try #require(Redirect(try await browser.consent(flow: flow).headers[.location])?.parameters["code"])
            #expect(try await Self.authTime(server, client: client, code: code) == Int(firstLogin + 100))
        }
    }

    @Test func promptNoneNeverShowsAPage() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            try await server.createUser()
            var stranger = Browser(server)
            let noSession = try #require(Redirect(try await stranger.get(
                Browser.authorizeURI(clientID: client.clientID, overrides: ["prompt": "none"])).headers[.location]))
            #expect(noSession.base == TestServer.redirectURI)
            #expect(noSession.parameters["error"] == "login_required")
            #expect(noSession.parameters["state"] == "st-1" && noSession.parameters["iss"] == server.issuer)

            var browser = Browser(server)
            _ = try await browser.authorize(clientID: client.clientID)
            let noConsent = try #require(Redirect(try await browser.get(
                Browser.authorizeURI(clientID: client.clientID, overrides: ["prompt": "none"])).headers[.location]))
            #expect(noConsent.parameters["error"] == "consent_required" && noConsent.parameters["state"] == "st-1")
        }
    }

    @Test func promptNoneWithARememberedConsentIssuesTheCodeAndPromptConsentAsksAgain() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            try await server.createUser()
            var browser = Browser(server)
            let flow = try await browser.startFlow(clientID: client.clientID)
            _ = try await browser.logIn(flow: flow)
            let page = String(buffer: try await browser.get("/consent?flow=\(flow)").body)
            let csrf = try #require(Browser.hiddenValue("csrf_token", in: page))
            _ = try await browser.post("/consent", form: [("flow", flow), ("csrf_token", csrf), ("decision", "allow"), ("remember", "on")])

            let silent = try #require(Redirect(try await browser.get(
                Browser.authorizeURI(clientID: client.clientID, overrides: ["prompt": "none"])).headers[.location]))
            #expect(silent.parameters["code"] != nil)
            let asked = try await browser.get(Browser.authorizeURI(clientID: client.clientID, overrides: ["prompt": "consent"]))
            #expect(asked.headers[.location]?.hasPrefix("/consent?flow=") == true, "prompt=consent shows the page though remembered")
        }
    }

    @Test func requestObjectsAreAnsweredRequestNotSupported() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            var browser = Browser(server)
            let answer = try #require(Redirect(try await browser.get(
                Browser.authorizeURI(clientID: client.clientID, overrides: ["request": "eyJhbGciOiJub25lIn0.e30."])).headers[.location]))
            #expect(answer.parameters["error"] == "request_not_supported" && answer.parameters["state"] == "st-1")
            let byReference = try #require(Redirect(try await browser.get(
                Browser.authorizeURI(clientID: client.clientID, overrides: ["request_uri": "https://rp.example/req"])).headers[.location]))
            #expect(byReference.parameters["error"] == "request_uri_not_supported")
        }
    }
}
