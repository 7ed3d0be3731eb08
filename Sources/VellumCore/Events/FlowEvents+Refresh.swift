/// The refresh-token events of a `flow-<uuid>` stream (RFC 6749 §6, RFC 9700 §4.14).

/// A refresh token was exchanged: it is dead from now on, and `TokensIssued` (grant
/// `refresh_token`) follows with its successor.
public struct RefreshTokenRotated: Event {
    public static let type = "RefreshTokenRotated"
    public var previousHash: SecretHash
    public var clientID: String
    /// Whether this was a client's retry within the grace window, superseding a successor it never
    /// received (the successor is revoked).
    public var retry: Bool
    public var rotatedAt: Timestamp

    enum CodingKeys: String, CodingKey {
        case previousHash = "previous_hash", clientID = "client_id", retry, rotatedAt = "rotated_at"
    }

    public init(previousHash: SecretHash, clientID: String, retry: Bool, rotatedAt: Timestamp) {
        self.previousHash = previousHash
        self.clientID = clientID
        self.retry = retry
        self.rotatedAt = rotatedAt
    }
}

/// A refresh token was presented and refused, with the reason.
public struct RefreshTokenRejected: Event {
    public static let type = "RefreshTokenRejected"
    public var presentedHash: SecretHash
    public var clientID: String
    /// `expired`, `revoked`, `wrong_client` or `invalid_scope`.
    public var reason: String

    enum CodingKeys: String, CodingKey {
        case presentedHash = "presented_hash", clientID = "client_id", reason
    }

    public init(presentedHash: SecretHash, clientID: String, reason: String) {
        self.presentedHash = presentedHash
        self.clientID = clientID
        self.reason = reason
    }
}

/// A rotated refresh token was presented again (RFC 9700 §4.14.2): someone holds a stolen copy.
/// `TokensRevoked` follows, revoking the whole family.
public struct RefreshTokenReuseDetected: Event {
    public static let type = "RefreshTokenReuseDetected"
    public var presentedHash: SecretHash
    public var clientID: String
    /// The family: the flow whose tokens are revoked.
    public var family: String

    enum CodingKeys: String, CodingKey {
        case presentedHash = "presented_hash", clientID = "client_id", family
    }

    public init(presentedHash: SecretHash, clientID: String, family: String) {
        self.presentedHash = presentedHash
        self.clientID = clientID
        self.family = family
    }
}
