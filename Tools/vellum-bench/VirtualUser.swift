import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One client of the load: a browser (its cookies) and the OAuth client app behind it, driving
/// Vellum over HTTP as a real deployment is driven. It never follows a redirect by itself.
struct VirtualUser: Sendable {
    struct Answer: Sendable {
        let status: Int
        let headers: HTTPHeaders
        let body: String
        var location: String? { headers.first(name: "location") }
    }

    /// What the benchmark client is.
    struct Client: Sendable {
        let baseURL: String
        let clientID: String
        let secret: String
        var basicAuthorization: String { "Basic " + Data("\(clientID):\(secret)".utf8).base64EncodedString() }
    }

    /// RFC 7636 Appendix B's pair.
    static let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    static let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

    let http: HTTPClient
    let client: Client
    var cookies: [String: String] = [:]

    init(http: HTTPClient, client: Client) {
        self.http = http
        self.client = client
    }

    mutating func get(_ path: String, bearer: String? = nil) async throws -> Answer {
        var request = HTTPClientRequest(url: client.baseURL + path)
        request.method = .GET
        if let bearer { request.headers.add(name: "authorization", value: "Bearer \(bearer)") }
        return try await send(request)
    }

    mutating func post(_ path: String, form: [(String, String)], basic: Bool = false) async throws -> Answer {
        var request = HTTPClientRequest(url: client.baseURL + path)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/x-www-form-urlencoded")
        if basic { request.headers.add(name: "authorization", value: client.basicAuthorization) }
        request.body = .bytes(ByteBuffer(string: Self.formBody(form)))
        return try await send(request)
    }

    private mutating func send(_ request: HTTPClientRequest) async throws -> Answer {
        var request = request
        if !cookies.isEmpty { request.headers.add(name: "cookie", value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }
        let response = try await http.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        for header in response.headers[canonicalForm: "set-cookie"] {
            guard let pair = header.split(separator: ";").first, let equals = pair.firstIndex(of: "=") else { continue }
            cookies[String(pair[..<equals]).trimmingCharacters(in: .whitespaces)] = String(pair[pair.index(after: equals)...])
        }
        return Answer(status: Int(response.status.code), headers: response.headers, body: String(buffer: body))
    }

    // MARK: - Steps of a flow

    static var authorizePath: String {
        "/authorize?" + formBody([
            ("response_type", "code"), ("client_id", "CLIENT"), ("redirect_uri", ServedVellum.redirectURI),
            ("scope", "openid profile"), ("state", "st"), ("code_challenge", challenge), ("code_challenge_method", "S256"),
        ])
    }

    /// `GET /authorize`: the redirect's target.
    mutating func authorize() async throws -> String {
        let answer = try await get(Self.authorizePath.replacingOccurrences(of: "CLIENT", with: client.clientID))
        guard answer.status == 303, let location = answer.location else { throw BenchError("authorize answered \(answer.status)") }
        return location
    }

    /// Logs in and consents (remembered) once, so that later authorizations go straight to a code.
    mutating func signIn(username: String, password: String) async throws {
        let (flow, login) = try await logIn(username: username, password: password)
        guard let next = login.location else { throw BenchError("login answered without a redirect") }
        guard next.hasPrefix("/consent") else { return }
        let consentPage = try await get(next)
        let consent = try await post("/consent", form: [
            ("flow", flow), ("csrf_token", try Self.hidden("csrf_token", in: consentPage.body)), ("decision", "allow"), ("remember", "on"),
        ])
        guard consent.status == 303, consent.location?.hasPrefix(ServedVellum.redirectURI) == true else {
            throw BenchError("consent answered \(consent.status)")
        }
    }

    /// Logs in on a fresh browser: authorize, the login page, the password (bcrypt on the server).
    mutating func logInAfresh(username: String, password: String) async throws {
        cookies = [:]
        _ = try await logIn(username: username, password: password)
    }

    /// Authorize, the login page, the password; returns the flow and the answer to the password.
    private mutating func logIn(username: String, password: String) async throws -> (flow: String, answer: Answer) {
        let flow = try Self.parameter("flow", in: try await authorize())
        let loginPage = try await get("/login?flow=\(flow)")
        let login = try await post("/login", form: [
            ("flow", flow), ("csrf_token", try Self.hidden("csrf_token", in: loginPage.body)), ("username", username), ("password", password),
        ])
        guard login.status == 303 else { throw BenchError("login answered \(login.status)") }
        return (flow, login)
    }

    /// With a session and a remembered consent: `GET /authorize` straight to a code.
    mutating func code() async throws -> String {
        let location = try await authorize()
        guard location.hasPrefix(ServedVellum.redirectURI) else { throw BenchError("authorize went to \(location), not to the client") }
        return try Self.parameter("code", in: location)
    }

    /// `POST /token` for `code`; returns the token response's fields.
    mutating func redeem(_ code: String) async throws -> [String: Any] {
        try await tokens(form: [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", ServedVellum.redirectURI),
                                ("code_verifier", Self.verifier)])
    }

    mutating func refresh(_ token: String) async throws -> [String: Any] {
        try await tokens(form: [("grant_type", "refresh_token"), ("refresh_token", token)])
    }

    private mutating func tokens(form: [(String, String)]) async throws -> [String: Any] {
        let answer = try await post("/token", form: form, basic: true)
        guard answer.status == 200, let object = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any] else {
            throw BenchError("token answered \(answer.status): \(answer.body.prefix(200))")
        }
        return object
    }

    mutating func introspect(_ token: String) async throws {
        let answer = try await post("/introspect", form: [("token", token)], basic: true)
        guard answer.status == 200, answer.body.contains(#""active":true"#) else { throw BenchError("introspect answered \(answer.status)") }
    }

    mutating func userinfo(_ token: String) async throws {
        let answer = try await get("/userinfo", bearer: token)
        guard answer.status == 200 else { throw BenchError("userinfo answered \(answer.status)") }
    }

    // MARK: - Helpers

    static func parameter(_ name: String, in location: String) throws -> String {
        guard let value = URLComponents(string: location)?.queryItems?.first(where: { $0.name == name })?.value else {
            throw BenchError("no \(name) in \(location)")
        }
        return value
    }

    static func hidden(_ name: String, in html: String) throws -> String {
        guard let range = html.range(of: #"name="\#(name)" value=""#) else { throw BenchError("no \(name) on the page") }
        let rest = html[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { throw BenchError("no \(name) on the page") }
        return String(rest[..<end])
    }

    static func formBody(_ items: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        func escape(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text }
        return items.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }
}

/// A single GET with a throwaway client (readiness polling).
enum HTTPProbe {
    static func get(_ url: String) async throws -> (String, Int) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(2))
        let body = try await response.body.collect(upTo: 1 << 16)
        return (String(buffer: body), Int(response.status.code))
    }
}
