/// The user aggregate (`user-<uuid>`): who the user is, whether they may log in, and which
/// credential is theirs.
public struct User: Aggregate, Equatable {
    public enum Command: Sendable, Equatable {
        case create(userID: String, username: String, credentialID: String)
        case setPassword(credentialID: String)
        case disable
        case enable
    }

    public private(set) var userID: String?
    public private(set) var username: String?
    public private(set) var credentialID: String?
    public private(set) var disabled = false

    public init() {}

    public mutating func evolve(type: String, payload: String) throws {
        switch type {
        case UserCreated.type:
            let created = try EventJSON.decode(UserCreated.self, from: payload)
            (userID, username, credentialID) = (created.userID, created.username, created.credential)
        case PasswordChanged.type:
            credentialID = try EventJSON.decode(PasswordChanged.self, from: payload).credentialID
        case UserDisabled.type: disabled = true
        case UserEnabled.type: disabled = false
        default: break
        }
    }

    public func decide(_ command: Command) throws(AggregateRefusal) -> [any Event] {
        if case .create(let id, let name, let credential) = command {
            guard userID == nil else { throw AggregateRefusal("the user already exists") }
            return [UserCreated(userID: id, username: name, credentialID: credential)]
        }
        guard let userID else { throw AggregateRefusal("no such user") }
        switch command {
        case .create: return []
        case .setPassword(let credential): return [PasswordChanged(userID: userID, credentialID: credential)]
        case .disable: return disabled ? [] : [UserDisabled(userID: userID)]
        case .enable: return disabled ? [UserEnabled(userID: userID)] : []
        }
    }

    /// The stream of user `userID`.
    public static func streamID(_ userID: String) -> String { StreamID(.user, userID).description }

    /// Whether `username` may name a user: 1 to 128 bytes, no white space.
    public static func isValidUsername(_ username: String) -> Bool {
        !username.isEmpty && username.utf8.count <= 128 && !username.contains(where: { $0.isWhitespace || $0.isNewline })
    }
}
