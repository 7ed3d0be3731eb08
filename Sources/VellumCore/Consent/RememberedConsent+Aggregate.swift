/// The remembered-consent aggregate (`consent-<user>-<client>`): what a user asked Vellum to
/// remember for a client, growing with each remembered grant, until revoked.
extension RememberedConsent: Aggregate {
    public enum Command: Sendable, Equatable {
        /// Remember `scope` (added to what is remembered) for the user and client, from `flowID`.
        case remember(userID: String, clientID: String, scope: Scope, flowID: String)
        /// Forget it.
        case revoke(userID: String, clientID: String)
    }

    public mutating func evolve(type: String, payload: String) throws {
        switch type {
        case ConsentRemembered.type: evolve(remembered: try EventJSON.decode(ConsentRemembered.self, from: payload))
        case ConsentRevoked.type: evolve(revoked: try EventJSON.decode(ConsentRevoked.self, from: payload))
        default: break
        }
    }

    public func decide(_ command: Command) throws(AggregateRefusal) -> [any Event] {
        switch command {
        case .remember(let userID, let clientID, let requested, let flowID):
            let union = Scope((scope?.tokens ?? []) + requested.tokens)
            guard scope != union else { return [] }
            return [ConsentRemembered(userID: userID, clientID: clientID, scope: union, flowID: flowID)]
        case .revoke(let userID, let clientID):
            guard scope != nil else { return [] }
            return [ConsentRevoked(userID: userID, clientID: clientID)]
        }
    }
}
