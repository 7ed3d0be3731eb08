import Foundation
public import VellumCore
public import VellumStore

extension Administration {
    /// The consents `username` asked Vellum to remember.
    public static func rememberedConsents(username: String, store: EventStore) async throws -> [(clientID: String, scope: Scope, rememberedAt: Timestamp)] {
        let queries = ProjectionQueries(client: store.client, logger: store.logger)
        guard let user = try await queries.user(named: username) else { throw AdministrationError("no user is named '\(username)'") }
        return try await queries.rememberedConsents(userID: user.userID)
    }

    /// Withdraws `username`'s consent to `clientID`: forgets the remembered consent and revokes every
    /// token the client holds for the user, each in its own flow (reason `consent_revoked`).
    /// Returns the flows whose tokens were revoked.
    @discardableResult
    public static func revokeConsent(username: String, clientID: String, store: EventStore, metadata: EventMetadata) async throws -> [String] {
        let queries = ProjectionQueries(client: store.client, logger: store.logger)
        guard let user = try await queries.user(named: username) else { throw AdministrationError("no user is named '\(username)'") }
        let metadataJSON = try EventJSON.encodeValue(metadata)
        try await store.update(RememberedConsent.streamID(userID: user.userID, clientID: clientID)) { history -> StreamDecision<Void> in
            guard let last = history.last(where: { [ConsentRemembered.type, ConsentRevoked.type].contains($0.type) }),
                  last.type == ConsentRemembered.type else { return StreamDecision(events: [], result: ()) }
            return StreamDecision(events: [ProposedEvent(
                type: ConsentRevoked.type, payload: try EventJSON.encode(ConsentRevoked(userID: user.userID, clientID: clientID)),
                metadata: metadataJSON)], result: ())
        }
        var revoked: [String] = []
        for flowStream in try await queries.flowsWithTokens(userID: user.userID, clientID: clientID) {
            let flowID = String(flowStream.dropFirst("flow-".count))
            let (decision, _) = try await FlowRunner(store: store).execute([.revokeAll(reason: "consent_revoked")], on: flowID, metadata: metadata)
            if !decision.events.isEmpty { revoked.append(flowID) }
        }
        return revoked
    }

    /// Publishes a new signing key that becomes active after `activationDelay` seconds; the serving
    /// instances activate it then and retire the old key once its tokens have expired.
    public static func rotateSigningKey(activationDelay: Int64, store: EventStore, masterKey: MasterKey, metadata: EventMetadata) async throws -> String {
        let keys = SigningKeys(store: store, masterKey: masterKey, logger: store.logger)
        let activateAt = Timestamp(microsecondsSinceEpoch: Timestamp(Date()).microsecondsSinceEpoch + activationDelay * 1_000_000)
        guard let kid = try await keys.createKey(activateAt: activateAt, metadata: metadata) else {
            throw AdministrationError("the key could not be created")
        }
        return kid
    }
}
