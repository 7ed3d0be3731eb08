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
        try await store.execute(.revoke(userID: user.userID, clientID: clientID),
                                on: RememberedConsent.streamID(userID: user.userID, clientID: clientID), as: RememberedConsent.self,
                                metadata: metadata)
        return try await revokeTokens(in: try await queries.flowsWithTokens(userID: user.userID, clientID: clientID),
                                      reason: "consent_revoked", store: store, metadata: metadata)
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
