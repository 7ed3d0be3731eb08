/// The events of a `consent-<user_id>-<client_id>` stream: a consent the user asked Vellum to remember.

/// The user ticked "remember this decision": later requests of the client for this scope (or less)
/// skip the consent page.
public struct ConsentRemembered: Event {
    public static let type = "ConsentRemembered"
    public var userID: String
    public var clientID: String
    /// Everything remembered so far for this client (earlier grants included).
    public var scope: Scope
    /// The flow in which the user chose to remember.
    public var flowID: String

    enum CodingKeys: String, CodingKey {
        case userID = "user_id", clientID = "client_id", scope, flowID = "flow_id"
    }

    public init(userID: String, clientID: String, scope: Scope, flowID: String) {
        self.userID = userID
        self.clientID = clientID
        self.scope = scope
        self.flowID = flowID
    }
}

/// The remembered consent was withdrawn; the tokens issued under it are revoked in their flows.
public struct ConsentRevoked: Event {
    public static let type = "ConsentRevoked"
    public var userID: String
    public var clientID: String

    enum CodingKeys: String, CodingKey {
        case userID = "user_id", clientID = "client_id"
    }

    public init(userID: String, clientID: String) {
        self.userID = userID
        self.clientID = clientID
    }
}

/// A remembered consent, from its stream's events.
public struct RememberedConsent: Sendable, Equatable {
    public private(set) var scope: Scope?

    public init() {}

    public mutating func evolve(remembered: ConsentRemembered) { scope = remembered.scope }
    public mutating func evolve(revoked: ConsentRevoked) { scope = nil }

    /// Whether it covers a request for `requested`.
    public func covers(_ requested: Scope) -> Bool { scope.map { requested.isSubset(of: $0) } ?? false }

    /// The stream of the consent of `userID` to `clientID`.
    public static func streamID(userID: String, clientID: String) -> String { "consent-\(userID)-\(clientID)" }
}
