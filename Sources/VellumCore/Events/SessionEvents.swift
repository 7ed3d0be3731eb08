/// The events of a `session-<uuid>` stream: one browser login session.

/// A browser session began after a password login. The cookie value is kept only as a hash.
public struct SessionStarted: Event {
    public static let type = "SessionStarted"
    public var sessionID: String
    public var userID: String
    public var secretHash: SecretHash
    public var expiresAt: Timestamp

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id", userID = "user_id", secretHash = "secret_hash", expiresAt = "expires_at"
    }

    public init(sessionID: String, userID: String, secretHash: SecretHash, expiresAt: Timestamp) {
        self.sessionID = sessionID
        self.userID = userID
        self.secretHash = secretHash
        self.expiresAt = expiresAt
    }
}

/// A browser session ended (logout, expiry, revocation).
public struct SessionEnded: Event {
    public static let type = "SessionEnded"
    public var sessionID: String
    public var reason: String

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id", reason
    }

    public init(sessionID: String, reason: String) {
        self.sessionID = sessionID
        self.reason = reason
    }
}
