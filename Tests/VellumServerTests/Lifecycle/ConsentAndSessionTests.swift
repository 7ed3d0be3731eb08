import Foundation
import Testing
import VellumCore
import VellumServer
import VellumStore
import VellumTestSupport

@Suite("Remembered consent and browser sessions")
struct ConsentAndSessionTests {
    /// Runs the login and a consent that asks to be remembered.
    private func rememberConsent(_ server: TestServer, client: Administration.NewClient, browser: inout Browser) async throws -> String {
        let flow = try await browser.startFlow(clientID: client.clientID)
        _ = try await browser.logIn(flow: flow)
        let page = try await browser.get("/consent?flow=\(flow)")
        #expect(String(buffer: page.body).contains(#"name="remember""#))
        let csrf = try #require(Browser.hiddenValue("csrf_token", in: String(buffer: page.body)))
        let answer = try await browser.post("/consent", form: [("flow", flow), ("csrf_token", csrf), ("decision", "allow"), ("remember", "on")])
        #expect(answer.status == .seeOther)
        return flow
    }

    @Test func aRememberedConsentSkipsThePageAndIsRecordedAsRemembered() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            try await server.createUser()
            var browser = Browser(server)
            _ = try await rememberConsent(server, client: client, browser: &browser)

            // Same browser (session) and a subset of the scope: straight back to the client with a code.
            let again = try await browser.get(Browser.authorizeURI(clientID: client.clientID, overrides: ["scope": "openid"]))
            let redirect = try #require(Redirect(again.headers[.location]))
            #expect(redirect.base == TestServer.redirectURI)
            let code = try #require(redirect.parameters["code"])
            #expect(try await server.token(TestServer.codeForm(code), basic: (client.clientID, client.secret!)).status == .ok)

            // A new browser logs in, then skips consent.
            var fresh = Browser(server)
            let flow = try await fresh.startFlow(clientID: client.clientID)
            let login = try await fresh.logIn(flow: flow)
            #expect(Redirect(login.headers[.location])?.base == TestServer.redirectURI)
            let events = try await server.store.readStream("flow-\(flow)")
            #expect(events.map(\.type) == ["AuthorizationRequested", "UserAuthenticated", "ConsentGranted", "AuthorizationCodeIssued"])
            #expect(events[2].payload.contains(#""remembered":true"#))

            // A wider scope than remembered asks again.
            let wider = try await browser.get(Browser.authorizeURI(clientID: client.clientID, overrides: ["scope": "openid profile email"]))
            #expect(wider.headers[.location]?.hasPrefix("/consent?flow=") == true)
        }
    }

    @Test func revokingAConsentForgetsItAndKillsItsTokens() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient(refreshTokens: true)
            try await server.createUser()
            var browser = Browser(server)
            _ = try await rememberConsent(server, client: client, browser: &browser)
            // Exchange a code from a remembered-consent flow.
            let again = try await browser.get(Browser.authorizeURI(clientID: client.clientID))
            let code = try #require(Redirect(again.headers[.location])?.parameters["code"])
            let tokens = try await server.token(TestServer.codeForm(code), basic: (client.clientID, client.secret!))
            let access = try #require(tokens.accessToken)
            let refresh = try #require(tokens.json["refresh_token"] as? String)
            #expect(try await Administration.rememberedConsents(username: "alice", store: server.store).map(\.clientID) == [client.clientID])

            let revokedFlows = try await Administration.revokeConsent(
                username: "alice", clientID: client.clientID, store: server.store, metadata: server.operatorMetadata)
            #expect(!revokedFlows.isEmpty)
            #expect(!(try await server.isActive(access, client: client)))
            #expect(!(try await server.isActive(refresh, client: client)))
            #expect(try await Administration.rememberedConsents(username: "alice", store: server.store).isEmpty)
            let next = try await browser.get(Browser.authorizeURI(clientID: client.clientID))
            #expect(next.headers[.location]?.hasPrefix("/consent?flow=") == true, "the consent page is back")
            let revocation = try await server.store.readStream("flow-\(revokedFlows[0])").last!
            #expect(revocation.type == "TokensRevoked" && revocation.payload.contains(#""reason":"consent_revoked""#))
        }
    }

    @Test func logoutEndsTheSessionOnlyWhenConfirmedByPost() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            try await server.createUser()
            var browser = Browser(server)
            _ = try await browser.authorize(clientID: client.clientID)
            // A GET (a link, an image on another site) only asks.
            let confirm = try await browser.get("/logout")
            #expect(confirm.status == .ok)
            #expect(browser.cookies["__Host-vellum_session"]?.isEmpty == false)
            #expect(try await Self.endedSessions(server).isEmpty)
            // A POST without the page's CSRF token is refused.
            let forged = try await browser.post("/logout", form: [("decision", "logout")])
            #expect(forged.status == .forbidden)
            #expect(try await Self.endedSessions(server).isEmpty)

            let csrf = try #require(Browser.hiddenValue("csrf_token", in: String(buffer: confirm.body)))
            let logout = try await browser.post("/logout", form: [("csrf_token", csrf), ("decision", "logout")])
            #expect(logout.status == .ok)
            #expect(browser.cookies["__Host-vellum_session"] == "")
            let sessionIDs = try await Self.endedSessions(server)
            #expect(sessionIDs.count == 1)
            #expect(try await server.store.readStream("session-\(try #require(sessionIDs.first))").map(\.type) == ["SessionStarted", "SessionEnded"])
            let next = try await browser.get(Browser.authorizeURI(clientID: client.clientID))
            #expect(next.headers[.location]?.hasPrefix("/login?flow=") == true)
        }
    }

    static func endedSessions(_ server: TestServer) async throws -> [String] {
        let ended = try await server.store.client.query("SELECT session_id FROM sessions WHERE ended_at IS NOT NULL")
        var sessionIDs: [String] = []
        for try await id in ended.decode(String.self) { sessionIDs.append(id) }
        return sessionIDs
    }
}
