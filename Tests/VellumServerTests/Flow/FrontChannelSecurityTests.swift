import Foundation
import HTTPTypes
import Logging
import Testing
import VellumCore
@testable import VellumServer
import VellumStore
import VellumTestSupport

@Suite("Front channel: CSP, cookies, flow expiry, one login per flow, switching user, custom pages")
struct FrontChannelSecurityTests {
    @Test func thePagesAdmitTheFlowsRedirectTargetAndNothingElse() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            try await server.createUser()
            var browser = Browser(server)
            let flow = try await browser.startFlow(clientID: client.clientID)
            let login = try await browser.get("/login?flow=\(flow)")
            let policy = try #require(login.headers[.contentSecurityPolicy])
            #expect(policy.contains("form-action 'self' https://app.example;"))
            #expect(policy.contains("style-src 'self'") && !policy.contains("unsafe-inline") && policy.contains("frame-ancestors 'none'"))
            _ = try await browser.logIn(flow: flow)
            let consent = try await browser.get("/consent?flow=\(flow)")
            #expect(consent.headers[.contentSecurityPolicy]?.contains("form-action 'self' https://app.example;") == true)
            // Scopes in plain words, not tokens.
            let html = String(buffer: consent.body)
            #expect(html.contains("Your profile") && html.contains("Know who you are"))
            #expect(!html.contains(">openid<") && !html.contains(">profile<"))
            let error = try await browser.get("/authorize?client_id=nope&response_type=code")
            #expect(error.headers[.contentSecurityPolicy]?.contains("form-action 'self';") == true)
            let css = try await browser.get("/assets/vellum.css")
            #expect(css.status == .ok && css.headers[.contentType] == "text/css; charset=utf-8")
        }
    }

    @Test func sourceExpressionsForRedirectTargets() {
        #expect(ContentSecurityPolicy.source(for: "https://app.example/cb?x=1") == "https://app.example")
        #expect(ContentSecurityPolicy.source(for: "http://127.0.0.1:51004/cb") == "http://127.0.0.1:51004")
        #expect(ContentSecurityPolicy.source(for: "com.example.app:/oauth") == "com.example.app:")
        #expect(ContentSecurityPolicy.source(for: "https://a.example;script-src *") == nil)
    }

    @Test func cookiesAreHostPrefixedOverHTTPS() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            try await server.createUser()
            var browser = Browser(server)
            let flow = try await browser.startFlow(clientID: client.clientID)
            let login = try await browser.logIn(flow: flow)
            let session = try #require(login.headers[values: .setCookie].first { $0.hasPrefix("__Host-vellum_session=") })
            #expect(session.contains("Secure") && session.contains("Path=/") && !session.contains("Domain"))
        }
        try await TestServer.with(configure: { $0.issuer = "http://127.0.0.1:8080" }) { server in
            let client = try await server.registerClient()
            var browser = Browser(server)
            let start = try await browser.get(Browser.authorizeURI(clientID: client.clientID))
            #expect(start.headers[values: .setCookie].contains { $0.hasPrefix("vellum_csrf=") }, "plain names over http")
        }
    }

    @Test func anOldLoginLinkIsRefusedOnceTheFlowExpires() async throws {
        let clock = ManualClock()
        try await TestServer.with(configure: { $0.flowLifetime = 600; $0.clock = clock.read }) { server in
            let client = try await server.registerClient()
            try await server.createUser()
            var browser = Browser(server)
            let flow = try await browser.startFlow(clientID: client.clientID)
            let page = try await browser.get("/login?flow=\(flow)")
            let csrf = try #require(Browser.hiddenValue("csrf_token", in: String(buffer: page.body)))
            clock.advance(seconds: 600)
            #expect(try await browser.get("/login?flow=\(flow)").status == .badRequest)
            let late = try await browser.post("/login", form: [("flow", flow), ("csrf_token", csrf), ("username", "alice"),
                                                              ("password", TestServer.password)])
            #expect(late.status == .badRequest)
            #expect(try await server.flowEventTypes(flow) == ["AuthorizationRequested"])
        }
    }

    @Test func aFlowAcceptsOneLogin() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            try await server.createUser()
            try await server.createUser("bob")
            var browser = Browser(server)
            let flow = try await browser.startFlow(clientID: client.clientID)
            let page = try await browser.get("/login?flow=\(flow)")
            let csrf = try #require(Browser.hiddenValue("csrf_token", in: String(buffer: page.body)))
            // Two logins race for one flow: one wins, the other is refused, the flow names one user.
            let cookies = browser
            async let first = server.loginPost(browser: cookies, flow: flow, csrf: csrf, username: "alice")
            async let second = server.loginPost(browser: cookies, flow: flow, csrf: csrf, username: "bob")
            let statuses = try await [first, second].map(\.code).sorted()
            #expect(statuses == [303, 400])
            #expect(try await server.flowEventTypes(flow).filter { $0 == "UserAuthenticated" }.count == 1)
        }
    }

    @Test func notYouEndsTheSessionAndStartsTheRequestAgain() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            try await server.createUser()
            var browser = Browser(server)
            let flow = try await browser.startFlow(clientID: client.clientID)
            _ = try await browser.logIn(flow: flow)
            let page = String(buffer: try await browser.get("/consent?flow=\(flow)").body)
            #expect(page.contains(#"value="switch_user""#))
            let csrf = try #require(Browser.hiddenValue("csrf_token", in: page))
            let answer = try await browser.post("/consent", form: [("flow", flow), ("csrf_token", csrf), ("decision", "switch_user")])
            let location = try #require(answer.headers[.location])
            #expect(location.hasPrefix("/login?flow=") && !location.contains(flow))
            #expect(browser.cookies["__Host-vellum_session"] == "")
            let newFlow = try #require(URLComponents(string: location)?.queryItems?.first?.value)
            let restarted = try #require(try await server.store.readStream("flow-\(newFlow)").first)
            #expect(restarted.type == "AuthorizationRequested" && restarted.payload.contains(#""state":"st-1""#))
            #expect(try await browser.get(location).status == .ok)
        }
    }

    @Test func tooLongCredentialsAreRefusedBeforeBcrypt() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            var browser = Browser(server)
            let flow = try await browser.startFlow(clientID: client.clientID)
            let answer = try await browser.logIn(flow: flow, username: String(repeating: "é", count: 200))  // 400 bytes
            #expect(answer.status == .badRequest)
        }
    }

    @Test func aTemplatesDirectoryReplacesAPage() async throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "vellum-templates-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "<p>ACME says: {{title}} / {{message}}</p>".write(to: directory.appending(path: "error.mustache"), atomically: true, encoding: .utf8)
        try "body{color:#123456}".write(to: directory.appending(path: "vellum.css"), atomically: true, encoding: .utf8)
        try await TestServer.with(configure: { $0.templatesDirectory = directory.path }) { server in
            var browser = Browser(server)
            let page = String(buffer: try await browser.get("/authorize?client_id=nope&response_type=code").body)
            #expect(page.hasPrefix("<p>ACME says: Invalid request / "))
            #expect(String(buffer: try await browser.get("/assets/vellum.css").body) == "body{color:#123456}")
        }
        try "{{#broken}}".write(to: directory.appending(path: "login.mustache"), atomically: true, encoding: .utf8)
        await #expect(throws: (any Error).self, "a template that does not parse stops the server at start") {
            try await TestServer.with(configure: { $0.templatesDirectory = directory.path }) { _ in }
        }
    }
}

extension TestServer {
    /// `POST /login` from a copy of `browser` (its cookies), returning the status.
    func loginPost(browser: Browser, flow: String, csrf: String, username: String) async throws -> HTTPResponse.Status {
        var copy = browser
        return try await copy.post("/login", form: [("flow", flow), ("csrf_token", csrf), ("username", username),
                                                    ("password", TestServer.password)]).status
    }
}

@Suite("Start-up warnings")
struct StartupWarningTests {
    @Test func anHTTPIssuerBeyondLoopbackIsWarnedAbout() async throws {
        let database = try await TestCluster.makeDatabase()
        let messages = LogCapture()
        var logger = Logger(label: "capture") { _ in messages }
        logger.logLevel = .warning
        _ = try buildApplication(configuration: ServerConfiguration(host: "0.0.0.0", port: 0, issuer: "http://id.example"),
                                 database: database, masterKey: TestServer.masterKey, logger: logger)
        #expect(messages.lines.contains { $0.contains("the issuer is http but the server listens beyond loopback") })
        let quiet = LogCapture()
        var loopback = Logger(label: "capture") { _ in quiet }
        loopback.logLevel = .warning
        _ = try buildApplication(configuration: ServerConfiguration(host: "127.0.0.1", port: 0, issuer: "http://127.0.0.1:8080"),
                                 database: database, masterKey: TestServer.masterKey, logger: loopback)
        #expect(quiet.lines.isEmpty)
    }
}

/// A log handler that keeps what it is given.
final class LogCapture: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    var lines: [String] { lock.withLock { stored } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lock.withLock { stored.append("\(event.level) \(event.message)") }
    }
}
