/// The events of a `user-<uuid>` stream. No event carries a password or its hash: the bcrypt
/// hashes live in the guarded `user_credentials` table, and events name the credential by id.

/// An operator created a user.
public struct UserCreated: Event {
    public static let type = "UserCreated"
    /// Version 2 names the credential instead of carrying the bcrypt hash (version 1).
    public static let schemaVersion = 2
    public var userID: String
    public var username: String
    /// The credential (a row of `user_credentials`) set with the user. Absent in version 1.
    public var credentialID: String?
    /// Version 1 only: the bcrypt hash, which logs written before version 2 still hold. Never
    /// written now; the migration moved these hashes to `user_credentials` (credential
    /// `v1-<user_id>`).
    public var legacyPasswordHash: String?

    enum CodingKeys: String, CodingKey {
        case userID = "user_id", username, credentialID = "credential_id", legacyPasswordHash = "password_hash"
    }

    public init(userID: String, username: String, credentialID: String) {
        self.userID = userID
        self.username = username
        self.credentialID = credentialID
    }

    /// The credential in force after this event: a version 1 event's hash was moved to `v1-<user_id>`.
    public var credential: String { credentialID ?? Self.legacyCredentialID(userID: userID) }

    /// The credential id the migration gave a version 1 user's hash.
    public static func legacyCredentialID(userID: String) -> String { "v1-\(userID)" }
}

/// A user's password was set anew; the new credential replaces the old at once and the user's
/// browser sessions end.
public struct PasswordChanged: Event {
    public static let type = "PasswordChanged"
    public var userID: String
    /// The new credential (a row of `user_credentials`).
    public var credentialID: String

    enum CodingKeys: String, CodingKey {
        case userID = "user_id", credentialID = "credential_id"
    }

    public init(userID: String, credentialID: String) {
        self.userID = userID
        self.credentialID = credentialID
    }
}

/// A user was disabled: logins are refused, sessions ended, tokens revoked.
public struct UserDisabled: Event {
    public static let type = "UserDisabled"
    public var userID: String

    enum CodingKeys: String, CodingKey { case userID = "user_id" }

    public init(userID: String) { self.userID = userID }
}

/// A disabled user may log in again.
public struct UserEnabled: Event {
    public static let type = "UserEnabled"
    public var userID: String

    enum CodingKeys: String, CodingKey { case userID = "user_id" }

    public init(userID: String) { self.userID = userID }
}
