import Foundation
import HummingbirdBcrypt
import NIOPosix
public import VellumCore
public import VellumStore

/// What an operator does to the directory: register clients, create users. The command line calls
/// these; so do tests. Secrets are generated here and returned once; only their hashes are stored.
public enum Administration {
    /// A client just registered, with its secret in clear (nil for a public client): show it once.
    public struct NewClient: Sendable {
        public let registered: ClientRegistered
        public let secret: String?
        public var clientID: String { registered.clientID }
    }

    /// Registers a client: validates the request, generates the id and secret, appends `ClientRegistered`.
    public static func registerClient(
        name: String, redirectURIs: [String], isPublic: Bool, authMethod: ClientAuthenticationMethod?,
        scope: Scope, refreshTokens: Bool = false, postLogoutRedirectURIs: [String] = [], store: EventStore, metadata: EventMetadata
    ) async throws -> NewClient {
        let isPublic = isPublic || authMethod == ClientAuthenticationMethod.none
        let clientID = "c_" + SecretGenerator.generate(bytes: 12)
        let secret = isPublic ? nil : SecretGenerator.generate()
        let registered = try ClientRules.register(
            clientID: clientID, name: name, redirectURIs: redirectURIs, isPublic: isPublic, authMethod: authMethod,
            scope: scope, grantTypes: ["authorization_code"] + (refreshTokens ? ["refresh_token"] : []),
            secretHash: secret.map { SecretHash(of: $0) }, postLogoutRedirectURIs: postLogoutRedirectURIs)
        try await store.append(to: "client-\(clientID)", expected: .noStream, events: [
            ProposedEvent(type: ClientRegistered.type, payload: try EventJSON.encode(registered),
                          metadata: try EventJSON.encodeValue(metadata)),
        ])
        return NewClient(registered: registered, secret: secret)
    }

    /// Creates a user with a bcrypt (cost 12) hash of `password`, computed off the cooperative pool.
    /// Returns the new user id.
    public static func createUser(
        username: String, password: String, store: EventStore, metadata: EventMetadata, bcryptCost: UInt8 = 12
    ) async throws -> String {
        guard !username.isEmpty, username.count <= 128, !username.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw AdministrationError("the username must be 1 to 128 characters without white space")
        }
        guard password.count >= 8 else { throw AdministrationError("the password must be at least 8 characters") }
        guard try await ProjectionQueries(client: store.client, logger: store.logger).user(named: username) == nil else {
            throw AdministrationError("a user named '\(username)' already exists")
        }
        let hash = try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: bcryptCost) }
        let userID = UUID().uuidString.lowercased()
        try await store.append(to: "user-\(userID)", expected: .noStream, events: [
            ProposedEvent(type: UserCreated.type,
                          payload: try EventJSON.encode(UserCreated(userID: userID, username: username, passwordHash: hash)),
                          metadata: try EventJSON.encodeValue(metadata)),
        ])
        return userID
    }
}

/// An operator request that cannot be carried out, with the reason.
public struct AdministrationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
