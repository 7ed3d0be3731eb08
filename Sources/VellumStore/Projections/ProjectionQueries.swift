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
        for try await client in try await client.execute(PreparedReads.Client(key: clientID), logger: logger) { return client }
        return nil
    }

    /// Client `clientID` and the flow of the code hashing to `codeHash`, in one statement.
    public func client(_ clientID: String, presentingCode codeHash: SecretHash) async throws -> ClientRead {
        try await first(PreparedReads.ClientWithCode(clientID: clientID, codeHash: codeHash.hex))
    }

    /// Client `clientID` and the token it presents, in one statement: the access token `jti` (nil
    /// when the token is not a JWT signed by Vellum) and the refresh token hashing to `refreshHash`.
    public func client(_ clientID: String, presentingAccessToken jti: String?, orRefreshToken refreshHash: SecretHash?) async throws -> ClientRead {
        try await first(PreparedReads.ClientWithToken(clientID: clientID, jti: jti, refreshHash: refreshHash?.hex))
    }

    private func first<Read: PostgresPreparedStatement>(_ read: Read) async throws -> ClientRead where Read.Row == ClientRead {
        for try await row in try await client.execute(read, logger: logger) { return row }
        return ClientRead(client: nil)
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

    /// The session whose cookie hashes to `secretHash`, if any.
    public func session(secretHash: SecretHash) async throws -> SessionRecord? {
        let rows = try await client.query("""
            SELECT session_id, user_id, (extract(epoch FROM started_at) * 1000000)::int8,
                   (extract(epoch FROM expires_at) * 1000000)::int8, ended_at IS NOT NULL
            FROM sessions WHERE secret_hash = \(secretHash.hex)
            """, logger: logger)
        for try await (id, user, started, expires, ended) in rows.decode((String, String, Int64, Int64, Bool).self) {
            return SessionRecord(sessionID: id, userID: user, startedAt: Timestamp(microsecondsSinceEpoch: started),
                                 expiresAt: Timestamp(microsecondsSinceEpoch: expires), ended: ended)
        }
        return nil
    }

    /// Whether the access token `jti` has been revoked (nil: unknown token).
    public func accessTokenRevoked(_ jti: String) async throws -> Bool? {
        let rows = try await client.query("SELECT revoked_at IS NOT NULL FROM access_tokens WHERE jti = \(jti)", logger: logger)
        for try await revoked in rows.decode(Bool.self) { return revoked }
        return nil
    }
}
