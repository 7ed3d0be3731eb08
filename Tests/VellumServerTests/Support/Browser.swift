import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import VellumCore

/// A browser for tests: keeps cookies, sends forms, and reads pages and redirects. It never
/// follows a redirect by itself, so each step of a flow can be checked.
struct Browser: Sendable {
    let server: TestServer
    var cookies: [String: String] = [:]

    init(_ server: TestServer) { self.server = server }

    mutating func get(_ uri: String) async throws -> TestResponse {
        let response = try await server.client.execute(uri: uri, method: .get, headers: requestHeaders(), body: nil) { $0 }
        keepCookies(response)
        return response
    }

    mutating func post(_ uri: String, form: [(String, String)]) async throws -> TestResponse {
        var headers = requestHeaders()
        headers[.contentType] = "application/x-www-form-urlencoded"
        let response = try await server.client.execute(
            uri: uri, method: .post, headers: headers, body: ByteBuffer(string: FormBody.encode(form))) { $0 }
        keepCookies(response)
        return response
    }

    private func requestHeaders() -> HTTPFields {
        var headers = HTTPFields()
        headers[.userAgent] = "VellumTests/1.0"
        if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        return headers
    }

    private mutating func keepCookies(_ response: TestResponse) {
        for header in response.headers[values: .setCookie] {
            guard let pair = header.split(separator: ";").first, let equals = pair.firstIndex(of: "=") else { continue }
            cookies[String(pair[..<equals]).trimmingCharacters(in: .whitespaces)] = String(pair[pair.index(after: equals)...])
        }
    }

    // MARK: - The steps of a flow

    /// The authorize URL for `client` with a PKCE challenge and `state=st-1`; `overrides` replace
    /// or remove (nil) parameters.
    static func authorizeURI(clientID: String, overrides: [String: String?] = [:]) -> String {
        var parameters: [String: String?] = [
            "response_type": "code", "client_id": clientID, "redirect_uri": TestServer.redirectURI,
            "scope": "openid profile", "state": "st-1", "code_challenge": PKCEPair.challenge,
            "code_challenge_method": "S256",
        ]
        for (key, value) in overrides { parameters[key] = value }
        let items = parameters.compactMap { key, value in value.map { (key, $0) } }.sorted { $0.0 < $1.0 }
        return "/authorize?" + FormBody.encode(items)
    }

    /// `GET /authorize`, expecting a redirect to the login page; returns the flow id.
    mutating func startFlow(clientID: String, overrides: [String: String?] = [:]) async throws -> String {
        let response = try await get(Self.authorizeURI(clientID: clientID, overrides: overrides))
        #expect(response.status == .seeOther)
        let location = try #require(response.headers[.location])
        #expect(location.hasPrefix("/login?flow=") || location.hasPrefix("/consent?flow="))
        return URLComponents(string: location)?.queryItems?.first { $0.name == "flow" }?.value ?? ""
    }

    /// Shows the login page, then submits the password; returns the response to the POST.
    mutating func logIn(flow: String, username: String = "alice", password: String = TestServer.password) async throws -> TestResponse {
        let page = try await get("/login?flow=\(flow)")
        #expect(page.status == .ok)
        let csrf = try #require(Self.hiddenValue("csrf_token", in: String(buffer: page.body)))
        return try await post("/login", form: [("flow", flow), ("csrf_token", csrf), ("username", username), ("password", password)])
    }

    /// Shows the consent page, then answers it; returns the response to the POST.
    mutating func consent(flow: String, decision: String = "allow") async throws -> TestResponse {
        let page = try await get("/consent?flow=\(flow)")
        #expect(page.status == .ok)
        let csrf = try #require(Self.hiddenValue("csrf_token", in: String(buffer: page.body)))
        return try await post("/consent", form: [("flow", flow), ("csrf_token", csrf), ("decision", decision)])
    }

    /// Runs authorize, login and consent; returns the flow id and the code from the redirect.
    mutating func authorize(clientID: String, overrides: [String: String?] = [:]) async throws -> (flow: String, code: String) {
        let flow = try await startFlow(clientID: clientID, overrides: overrides)
        let login = try await logIn(flow: flow)
        #expect(login.status == .seeOther)
        #expect(login.headers[.location] == "/consent?flow=\(flow)")
        let consent = try await consent(flow: flow)
        #expect(consent.status == .seeOther)
        let redirect = try #require(Redirect(consent.headers[.location]))
        #expect(redirect.base == TestServer.redirectURI)
        #expect(redirect.parameters["state"] == "st-1")
        #expect(redirect.parameters["iss"] == server.issuer)
        return (flow, try #require(redirect.parameters["code"]))
    }

    static func hiddenValue(_ name: String, in html: String) -> String? {
        guard let range = html.range(of: #"name="\#(name)" value=""#) else { return nil }
        let rest = html[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}

/// A redirect's target and its query parameters.
struct Redirect {
    let base: String
    let parameters: [String: String]

    init?(_ location: String?) {
        guard let location, let components = URLComponents(string: location) else { return nil }
        var base = components
        base.query = nil
        self.base = base.string ?? ""
        self.parameters = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { a, _ in a })
    }
}

/// The RFC 7636 Appendix B verifier and its S256 challenge.
enum PKCEPair {
    static let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    static let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
}

/// `application/x-www-form-urlencoded` bodies for requests.
enum FormBody {
    static func encode(_ items: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        func escape(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text }
        return items.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }
}
