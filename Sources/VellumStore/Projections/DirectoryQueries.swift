public import VellumCore

/// A client as `vellum clients list` shows it: never its secret.
public struct ClientSummary: Sendable, Equatable, Encodable {
    public let clientID: String
    public let name: String
    public let redirectURIs: [String]
    public let isPublic: Bool
    public let authMethod: String
    public let scope: [String]
    public let grantTypes: [String]
    public let disabled: Bool
    public let registeredAt: String

    enum CodingKeys: String, CodingKey {
        case clientID = "client_id", name, redirectURIs = "redirect_uris", isPublic = "public"
        case authMethod = "token_endpoint_auth_method", scope, grantTypes = "grant_types", disabled, registeredAt = "registered_at"
    }
}

/// A user as `vellum users list` shows it: never a credential.
public struct UserSummary: Sendable, Equatable, Encodable {
    public let userID: String
    public let username: String
    public let disabled: Bool
    public let createdAt: String

    enum CodingKeys: String, CodingKey {
        case userID = "user_id", username, disabled, createdAt = "created_at"
    }
}

extension ProjectionQueries {
    /// Every client, by name.
    public func clients() async throws -> [ClientSummary] {
        let rows = try await client.query("""
            SELECT client_id, name, redirect_uris, is_public, auth_method, scope, grant_types, disabled,
                   to_char(registered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            FROM clients ORDER BY name, client_id
            """, logger: logger)
        var clients: [ClientSummary] = []
        for try await (id, name, uris, isPublic, method, scope, grants, disabled, at) in rows.decode(
            (String, String, [String], Bool, String, [String], [String], Bool, String).self
        ) {
            clients.append(ClientSummary(clientID: id, name: name, redirectURIs: uris, isPublic: isPublic, authMethod: method,
                                         scope: scope, grantTypes: grants, disabled: disabled, registeredAt: at))
        }
        return clients
    }

    /// Every user, by username.
    public func users() async throws -> [UserSummary] {
        let rows = try await client.query("""
            SELECT user_id, username, disabled, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            FROM users ORDER BY username
            """, logger: logger)
        var users: [UserSummary] = []
        for try await (id, name, disabled, at) in rows.decode((String, String, Bool, String).self) {
            users.append(UserSummary(userID: id, username: name, disabled: disabled, createdAt: at))
        }
        return users
    }

    /// The user whose id or username is `reference`, if any.
    public func user(reference: String) async throws -> UserSummary? {
        try await users().first { $0.userID == reference || $0.username == reference }
    }

    /// The sessions of `userID` not yet ended (expired ones included: ending them is harmless).
    public func openSessions(userID: String) async throws -> [String] {
        let rows = try await client.query(
            "SELECT session_id FROM sessions WHERE user_id = \(userID) AND ended_at IS NULL ORDER BY session_id", logger: logger)
        var sessions: [String] = []
        for try await id in rows.decode(String.self) { sessions.append(id) }
        return sessions
    }
}

extension ProjectionQueries {
    /// The runs of failed logins recorded under `keys` (see ``LoginThrottle``), by key.
    public func loginFailures(keys: [String]) async throws -> [String: LoginThrottle.Failures] {
        let rows = try await client.query("""
            SELECT key, failures, (extract(epoch FROM last_failure_at) * 1000000)::int8
            FROM login_failures WHERE key = ANY(\(keys)::text[])
            """, logger: logger)
        var runs: [String: LoginThrottle.Failures] = [:]
        for try await (key, failures, last) in rows.decode((String, Int, Int64).self) {
            runs[key] = LoginThrottle.Failures(count: failures, last: Timestamp(microsecondsSinceEpoch: last))
        }
        return runs
    }
}
