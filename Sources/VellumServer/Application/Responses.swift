import Foundation
import Hummingbird
import NIOCore
import VellumCore

/// The shapes of Vellum's responses: OAuth JSON, JSON errors (RFC 6749 §5.2), redirects, pages.
enum Responses {
    /// A JSON body with `Cache-Control: no-store` (RFC 6749 §5.1: token responses must not be cached).
    static func json(_ object: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let bytes = (try? SortedJSON.encode(object)) ?? Array("{}".utf8)
        var response = Response(status: status, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        response.headers[.contentType] = "application/json"
        response.headers[.cacheControl] = "no-store"
        response.headers[.init("Pragma")!] = "no-cache"
        return response
    }

    /// An OAuth error as JSON (RFC 6749 §5.2). `invalid_client` is 401 with a Basic challenge.
    static func oauthError(_ error: OAuthError) -> Response {
        var response = json(["error": error.code.rawValue, "error_description": error.description],
                            status: .init(code: error.status))
        if error.code == .invalidClient {
            response.headers[.wwwAuthenticate] = #"Basic realm="vellum", charset="UTF-8""#
        }
        return response
    }

    /// `303 See Other` to `location` (after a POST, the browser follows with a GET).
    static func redirect(to location: String, cookies: [Cookie] = []) -> Response {
        var response = Response(status: .seeOther)
        response.headers[.location] = location
        response.headers[.cacheControl] = "no-store"
        for cookie in cookies { response.setCookie(cookie) }
        return response
    }

    /// An HTML page with the security headers of DESIGN.md §6. `formTargets` are the validated
    /// redirect URIs a form on the page may end at (see ``ContentSecurityPolicy``).
    static func page(_ html: String, status: HTTPResponse.Status = .ok, cookies: [Cookie] = [], formTargets: [String] = []) -> Response {
        var response = Response(status: status, body: .init(byteBuffer: ByteBuffer(string: html)))
        response.headers[.contentType] = "text/html; charset=utf-8"
        response.headers[.contentSecurityPolicy] = ContentSecurityPolicy.header(formTargets: formTargets)
        response.headers[.init("X-Frame-Options")!] = "DENY"
        response.headers[.init("X-Content-Type-Options")!] = "nosniff"
        response.headers[.init("Referrer-Policy")!] = "no-referrer"
        response.headers[.cacheControl] = "no-store"
        for cookie in cookies { response.setCookie(cookie) }
        return response
    }
}
