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
        try await store.execute(.register(registered), on: Client.streamID(clientID), as: Client.self, metadata: metadata)
        return NewClient(registered: registered, secret: secret)
    }

    /// Creates a user with a bcrypt (cost 12) hash of `password`, computed off the cooperative pool.
    /// The hash goes to `user_credentials`; `UserCreated` names the credential, never the hash.
    /// Returns the new user id.
    public static func createUser(
        username: String, password: String, store: EventStore, metadata: EventMetadata, bcryptCost: UInt8 = 12
    ) async throws -> String {
        guard User.isValidUsername(username) else {
            throw AdministrationError("the username must be 1 to 128 bytes without white space")
        }
        guard try await ProjectionQueries(client: store.client, logger: store.logger).user(named: username) == nil else {
            throw AdministrationError("a user named '\(username)' already exists")
        }
        let userID = UUID().uuidString.lowercased()
        let credentialID = try await storeCredential(password, userID: userID, store: store, bcryptCost: bcryptCost)
        try await store.execute(.create(userID: userID, username: username, credentialID: credentialID),
                                on: User.streamID(userID), as: User.self, metadata: metadata)
        return userID
    }

    /// Hashes `password` (bcrypt, off the cooperative pool) into a new credential of `userID`.
    static func storeCredential(_ password: String, userID: String, store: EventStore, bcryptCost: UInt8) async throws -> String {
        guard password.count >= 8 else { throw AdministrationError("the password must be at least 8 characters") }
        guard password.utf8.count <= 1024 else { throw AdministrationError("the password must be at most 1,024 bytes") }
        let hash = try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: bcryptCost) }
        let credentialID = UUID().uuidString.lowercased()
        try await store.storeCredential(credentialID, userID: userID, passwordHash: hash)
        return credentialID
    }
}

/// An operator request that cannot be carried out, with the reason.
public struct AdministrationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
