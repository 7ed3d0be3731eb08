import Foundation
public import VellumCore
public import VellumStore

/// The operator's lifecycle commands for clients and users. Each is a decision of the client or
/// user aggregate, recorded as an event; what it implies elsewhere (tokens revoked in their flows,
/// sessions ended) is carried out after, each step an event of its own stream. Nothing is cached
/// in any instance, so every running instance acts on the change at once.
extension Administration {
    /// What a lifecycle command changed.
    public struct DirectoryOutcome: Sendable, Equatable {
        /// Whether the user or client itself changed (false: it already was so).
        public var changed: Bool
        /// Flows whose tokens were revoked.
        public var revokedFlows: [String] = []
        /// Sessions ended.
        public var endedSessions: [String] = []
    }

    /// `ClientDisabled`: authorization and token requests of the client are refused from now on,
    /// and every token it holds is revoked (reason `client_disabled`).
    public static func disableClient(_ clientID: String, store: EventStore, metadata: EventMetadata) async throws -> DirectoryOutcome {
        let (events, _) = try await clientCommand(.disable, clientID, store: store, metadata: metadata)
        let queries = ProjectionQueries(client: store.client, logger: store.logger)
        let flows = try await revokeTokens(in: try await queries.flowsWithTokens(clientID: clientID), reason: "client_disabled",
                                           store: store, metadata: metadata)
        return DirectoryOutcome(changed: !events.isEmpty, revokedFlows: flows)
    }

    /// `ClientEnabled`.
    public static func enableClient(_ clientID: String, store: EventStore, metadata: EventMetadata) async throws -> DirectoryOutcome {
        let (events, _) = try await clientCommand(.enable, clientID, store: store, metadata: metadata)
        return DirectoryOutcome(changed: !events.isEmpty)
    }

    /// `ClientSecretRotated`: a new secret, returned once; the old one is refused at once.
    public static func rotateClientSecret(_ clientID: String, store: EventStore, metadata: EventMetadata) async throws -> String {
        let secret = SecretGenerator.generate()
        _ = try await clientCommand(.rotateSecret(SecretHash(of: secret)), clientID, store: store, metadata: metadata)
        return secret
    }

    /// `UserDisabled`: logins are refused, the user's sessions end and their tokens are revoked.
    public static func disableUser(_ reference: String, store: EventStore, metadata: EventMetadata) async throws -> DirectoryOutcome {
        let user = try await findUser(reference, store: store)
        let (events, _) = try await userCommand(.disable, user.userID, store: store, metadata: metadata)
        let queries = ProjectionQueries(client: store.client, logger: store.logger)
        let sessions = try await endSessions(of: user.userID, reason: "user_disabled", store: store, metadata: metadata)
        let flows = try await revokeTokens(in: try await queries.flowsWithTokens(userID: user.userID), reason: "user_disabled",
                                           store: store, metadata: metadata)
        return DirectoryOutcome(changed: !events.isEmpty, revokedFlows: flows, endedSessions: sessions)
    }

    /// `UserEnabled`.
    public static func enableUser(_ reference: String, store: EventStore, metadata: EventMetadata) async throws -> DirectoryOutcome {
        let user = try await findUser(reference, store: store)
        let (events, _) = try await userCommand(.enable, user.userID, store: store, metadata: metadata)
        return DirectoryOutcome(changed: !events.isEmpty)
    }

    /// `PasswordChanged`: the new password works and the old is refused at once; the user's
    /// browser sessions end. Tokens already issued stay valid.
    public static func setPassword(
        _ reference: String, password: String, store: EventStore, metadata: EventMetadata, bcryptCost: UInt8 = 12
    ) async throws -> DirectoryOutcome {
        let user = try await findUser(reference, store: store)
        let credentialID = try await storeCredential(password, userID: user.userID, store: store, bcryptCost: bcryptCost)
        _ = try await userCommand(.setPassword(credentialID: credentialID), user.userID, store: store, metadata: metadata)
        let sessions = try await endSessions(of: user.userID, reason: "password_changed", store: store, metadata: metadata)
        return DirectoryOutcome(changed: true, endedSessions: sessions)
    }

    private static func clientCommand(_ command: Client.Command, _ clientID: String, store: EventStore,
                                      metadata: EventMetadata) async throws -> (events: [any Event], state: Client) {
        do {
            return try await store.execute(command, on: Client.streamID(clientID), as: Client.self, metadata: metadata)
        } catch let refusal as AggregateRefusal {
            throw AdministrationError(refusal.description == "no such client" ? "no client has the id '\(clientID)'" : refusal.description)
        }
    }

    private static func userCommand(_ command: User.Command, _ userID: String, store: EventStore,
                                    metadata: EventMetadata) async throws -> (events: [any Event], state: User) {
        do {
            return try await store.execute(command, on: User.streamID(userID), as: User.self, metadata: metadata)
        } catch let refusal as AggregateRefusal {
            throw AdministrationError(refusal.description)
        }
    }

    /// The user whose id or username is `reference`.
    static func findUser(_ reference: String, store: EventStore) async throws -> UserSummary {
        guard let user = try await ProjectionQueries(client: store.client, logger: store.logger).user(reference: reference) else {
            throw AdministrationError("no user has the id or username '\(reference)'")
        }
        return user
    }

    /// Revokes every live token of each flow (`TokensRevoked` with `reason`); returns the flows
    /// where something was revoked.
    static func revokeTokens(in flowStreams: [String], reason: String, store: EventStore, metadata: EventMetadata) async throws -> [String] {
        var revoked: [String] = []
        for flowStream in flowStreams {
            let flowID = StreamID.flowID(of: flowStream) ?? flowStream
            let (decision, _) = try await FlowRunner(store: store).execute([.revokeAll(reason: reason)], on: flowID, metadata: metadata)
            if !decision.events.isEmpty { revoked.append(flowID) }
        }
        return revoked
    }

    /// Ends every open session of `userID` (`SessionEnded` with `reason`).
    static func endSessions(of userID: String, reason: String, store: EventStore, metadata: EventMetadata) async throws -> [String] {
        var ended: [String] = []
        for sessionID in try await ProjectionQueries(client: store.client, logger: store.logger).openSessions(userID: userID) {
            let (events, _) = try await store.execute(.end(reason: reason), on: Session.streamID(sessionID), as: Session.self, metadata: metadata)
            if !events.isEmpty { ended.append(sessionID) }
        }
        return ended
    }
}
