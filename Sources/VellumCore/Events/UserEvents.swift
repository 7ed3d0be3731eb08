/// The events of a `user-<uuid>` stream.

/// An operator created a user.
public struct UserCreated: Event {
    public static let type = "UserCreated"
    public var userID: String
    public var username: String
    /// bcrypt (cost ≥ 12): not a credential that works.
    public var passwordHash: String

    enum CodingKeys: String, CodingKey {
        case userID = "user_id", username, passwordHash = "password_hash"
    }

    public init(userID: String, username: String, passwordHash: String) {
        self.userID = userID
        self.username = username
        self.passwordHash = passwordHash
    }
}
