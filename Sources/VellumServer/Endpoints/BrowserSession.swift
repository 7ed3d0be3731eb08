import Hummingbird
import VellumCore
import VellumStore

/// The browser's login session, from its `vellum_session` cookie (`__Host-vellum_session` when
/// the issuer is https, so that no subdomain can set or shadow it).
struct BrowserSession: Sendable {
    static let cookieName = "vellum_session"
    let record: SessionRecord
    let username: String
    let authTime: Timestamp
}

extension AuthorizationServer {
    /// The browser's active session, if its cookie names one.
    func currentSession(_ request: Request) async throws -> BrowserSession? {
        guard let hash = sessionCookieHash(request) else { return nil }
        return activeSession(try await queries.session(secretHash: hash))
    }

    /// The hash of the browser's session cookie, if it sends one.
    func sessionCookieHash(_ request: Request) -> SecretHash? {
        guard let secret = request.cookie(sessionCookieName), !secret.isEmpty else { return nil }
        return SecretHash(of: secret)
    }

    /// The session read, if it is still active.
    func activeSession(_ read: BrowserSessionRead?) -> BrowserSession? {
        guard let read, read.record.isActive(at: now) else { return nil }
        return BrowserSession(record: read.record, username: read.username ?? read.record.userID, authTime: read.record.startedAt)
    }

    /// The session cookie for `secret`.
    func sessionCookie(_ secret: String) -> Cookie {
        Cookie(name: sessionCookieName, value: secret, maxAge: Int(configuration.sessionLifetime), path: "/",
               secure: configuration.usesHTTPS, httpOnly: true, sameSite: .lax)
    }

    /// The session cookie's name: `__Host-` prefixed over https (RFC 6265bis §4.1.3.2).
    var sessionCookieName: String { Self.cookieName(BrowserSession.cookieName, https: configuration.usesHTTPS) }

    /// The CSRF cookie's name, prefixed likewise.
    var csrfCookieName: String { Self.cookieName(CSRFProtection.cookieName, https: configuration.usesHTTPS) }

    static func cookieName(_ name: String, https: Bool) -> String { https ? "__Host-\(name)" : name }
}
