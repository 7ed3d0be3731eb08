import Hummingbird
import VellumCore
import VellumStore

/// The browser's login session, from its `vellum_session` cookie.
struct BrowserSession: Sendable {
    static let cookieName = "vellum_session"
    let record: SessionRecord
    let username: String
    let authTime: Timestamp
}

extension AuthorizationServer {
    /// The browser's active session, if its cookie names one.
    func currentSession(_ request: Request) async throws -> BrowserSession? {
        guard let secret = request.cookie(BrowserSession.cookieName), !secret.isEmpty,
              let record = try await queries.session(secretHash: SecretHash(of: secret)), record.isActive(at: now) else {
            return nil
        }
        let username = try await queries.username(of: record.userID) ?? record.userID
        return BrowserSession(record: record, username: username, authTime: record.startedAt)
    }

    /// The session cookie for `secret`.
    func sessionCookie(_ secret: String) -> Cookie {
        Cookie(name: BrowserSession.cookieName, value: secret, maxAge: Int(configuration.sessionLifetime), path: "/",
               secure: configuration.usesHTTPS, httpOnly: true, sameSite: .lax)
    }
}
