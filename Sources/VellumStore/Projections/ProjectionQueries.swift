public import Logging
public import PostgresNIO
public import VellumCore

/// A user as the `users` projection holds it.
public struct UserRecord: Sendable, Equatable {
    public let userID: String
    public let username: String
    /// bcrypt, from `user_credentials` (nil if the credential is missing: no password works).
    public let passwordHash: String?
    public let disabled: Bool
}

/// A browser session as the `sessions` projection holds it.
public struct SessionRecord: Sendable, Equatable {
    public let sessionID: String
    public let userID: String
    /// When the user logged in (OpenID Connect `auth_time` for flows that reuse the session).
    public let startedAt: Timestamp
    public let expiresAt: Timestamp
    public let ended: Bool

    /// Whether the session may still authenticate the browser at `now`.
    public func isActive(at now: Timestamp) -> Bool { !ended && now < expiresAt }
}

/// A browser session and the name of its user (nil if the user's row is gone).
public struct BrowserSessionRead: Sendable, Equatable {
    public let record: SessionRecord
    public let username: String?
}

/// What `/authorize` reads before it decides: the client (nil: unknown), the browser's session,
/// and the consent its user remembered for the client.
public struct AuthorizeRead: Sendable {
    public let client: RegisteredClient?
    public let session: BrowserSessionRead?
    public let rememberedScope: Scope?
}

/// Reads of the inline projections: each one indexed lookup, never a scan of the log.
public struct ProjectionQueries: Sendable {
    public let client: PostgresClient
    public let logger: Logger

    /// Queries through `client`.
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// The registered client with `clientID`, if any.
    public func client(_ clientID: String) async throws -> RegisteredClient? {
        try await firstRow(PreparedReads.Client(key: clientID)) ?? nil
    }

    /// Client `clientID` and the flow of the code hashing to `codeHash`, in one statement.
    public func client(_ clientID: String, presentingCode codeHash: SecretHash) async throws -> ClientRead {
        try await firstRow(PreparedReads.ClientWithCode(clientID: clientID, codeHash: codeHash.hex)) ?? ClientRead(client: nil)
    }

    /// Client `clientID` and the token it presents, in one statement: the access token `jti` (nil
    /// when the token is not a JWT signed by Vellum) and the refresh token hashing to `refreshHash`.
    public func client(_ clientID: String, presentingAccessToken jti: String?, orRefreshToken refreshHash: SecretHash?) async throws -> ClientRead {
        try await firstRow(PreparedReads.ClientWithToken(clientID: clientID, jti: jti, refreshHash: refreshHash?.hex)) ?? ClientRead(client: nil)
    }

    /// The first row of a prepared read (nil: none).
    func firstRow<Read: PostgresPreparedStatement>(_ read: Read) async throws -> Read.Row? {
        for try await row in try await client.execute(read, logger: logger) { return row }
        return nil
    }

    /// The user named `username`, if any.
    public func user(named username: String) async throws -> UserRecord? {
        let rows = try await client.query("""
            SELECT u.user_id, u.username, c.password_hash, u.disabled
            FROM users u LEFT JOIN user_credentials c ON c.credential_id = u.credential_id AND c.user_id = u.user_id
            WHERE u.username = \(username)
            """, logger: logger)
        for try await (id, name, hash, disabled) in rows.decode((String, String, String?, Bool).self) {
            return UserRecord(userID: id, username: name, passwordHash: hash, disabled: disabled)
        }
        return nil
    }

    /// The username of user `userID`, if the user exists.
    public func username(of userID: String) async throws -> String? {
        let rows = try await client.query("SELECT username FROM users WHERE user_id = \(userID)", logger: logger)
        for try await name in rows.decode(String.self) { return name }
        return nil
    }

    /// The session whose cookie hashes to `secretHash`, with its user's name, if any.
    public func session(secretHash: SecretHash) async throws -> BrowserSessionRead? {
        try await firstRow(PreparedReads.Session(key: secretHash.hex)) ?? nil
    }

    /// Client `clientID`, the session whose cookie hashes to `sessionHash` with its user's name, and
    /// the scope that user remembered consenting to for the client, in one statement.
    public func authorizeRead(clientID: String, sessionHash: SecretHash?) async throws -> AuthorizeRead {
        try await firstRow(PreparedReads.ClientWithSession(clientID: clientID, sessionHash: sessionHash?.hex))
            ?? AuthorizeRead(client: nil, session: nil, rememberedScope: nil)
    }

    /// Whether the access token `jti` has been revoked (nil: unknown token).
    public func accessTokenRevoked(_ jti: String) async throws -> Bool? {
        let rows = try await client.query("SELECT revoked_at IS NOT NULL FROM access_tokens WHERE jti = \(jti)", logger: logger)
        for try await revoked in rows.decode(Bool.self) { return revoked }
        return nil
    }
}
