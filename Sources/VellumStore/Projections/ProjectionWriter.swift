public import Logging
public import PostgresNIO
import VellumCore

/// Writes projection changes on an open transaction. Consecutive changes of one kind go in one
/// statement over `unnest` arrays, so a batch of a hundred flows costs a handful of round trips.
/// Every statement is idempotent, so replaying the log over the tables changes nothing.
enum ProjectionWriter {
    static func apply(_ changes: [ProjectionChange], on connection: PostgresConnection, logger: Logger) async throws {
        // Group a batch's changes by kind so each kind is one statement, in an order that keeps
        // every row's life intact: definitions, then inserts, then first-time stamps (a row is
        // always inserted by an earlier event than any that stamps it, and each stamp has its own
        // column). The sort is stable, so changes of one kind keep their order.
        let changes = changes.enumerated().sorted { ($0.element.phase, $0.element.kind, $0.offset) < ($1.element.phase, $1.element.kind, $1.offset) }
            .map(\.element)
        var start = 0
        while start < changes.count {
            var end = start + 1
            while end < changes.count && changes[end].kind == changes[start].kind { end += 1 }
            try await write(Array(changes[start..<end]), on: connection, logger: logger)
            start = end
        }
    }

    /// Writes a run of changes of one kind.
    private static func write(_ run: [ProjectionChange], on connection: PostgresConnection, logger: Logger) async throws {
        switch run[0] {
        case .registerClient:
            for case .registerClient(let client, let at) in run {
                try await connection.query("""
                    INSERT INTO clients (client_id, name, redirect_uris, is_public, auth_method, scope, grant_types, secret_hash,
                                         registered_at, post_logout_redirect_uris)
                    VALUES (\(client.clientID), \(client.name), \(client.redirectURIs), \(client.isPublic), \(client.authMethod.rawValue),
                            \(client.scope.tokens), \(client.grantTypes), \(client.secretHash?.hex), vellum_ts(\(at.microsecondsSinceEpoch)),
                            \(client.postLogoutRedirectURIs))
                    ON CONFLICT (client_id) DO UPDATE SET name = EXCLUDED.name, redirect_uris = EXCLUDED.redirect_uris,
                        is_public = EXCLUDED.is_public, auth_method = EXCLUDED.auth_method, scope = EXCLUDED.scope,
                        grant_types = EXCLUDED.grant_types, secret_hash = EXCLUDED.secret_hash,
                        post_logout_redirect_uris = EXCLUDED.post_logout_redirect_uris
                    """, logger: logger)
            }
        case .createUser:
            for case .createUser(let user, let at) in run {
                try await connection.query("""
                    INSERT INTO users (user_id, username, credential_id, created_at)
                    VALUES (\(user.userID), \(user.username), \(user.credential), vellum_ts(\(at.microsecondsSinceEpoch)))
                    ON CONFLICT (user_id) DO NOTHING
                    """, logger: logger)
            }
        case .startSession:
            let rows = run.compactMap { change -> (SessionStarted, Timestamp)? in
                if case .startSession(let session, let at) = change { (session, at) } else { nil }
            }
            try await connection.query("""
                INSERT INTO sessions (session_id, secret_hash, user_id, started_at, expires_at)
                SELECT id, h, u, vellum_ts(s), vellum_ts(e)
                FROM unnest(\(rows.map(\.0.sessionID))::text[], \(rows.map(\.0.secretHash.hex))::text[], \(rows.map(\.0.userID))::text[],
                            \(rows.map(\.1.microsecondsSinceEpoch))::int8[], \(rows.map(\.0.expiresAt.microsecondsSinceEpoch))::int8[])
                     AS x(id, h, u, s, e)
                ON CONFLICT (session_id) DO NOTHING
                """, logger: logger)
        case .endSession:
            let rows = run.compactMap { change -> (String, Int64)? in
                if case .endSession(let id, let at) = change { (id, at.microsecondsSinceEpoch) } else { nil }
            }
            try await stampOnce("sessions", key: "session_id", time: "ended_at", rows, on: connection, logger: logger)
        case .issueCode:
            let rows = run.compactMap { change -> (AuthorizationCodeIssued, String, Timestamp)? in
                if case .issueCode(let code, let flow, let at) = change { (code, flow, at) } else { nil }
            }
            var bindings = PostgresBindings(capacity: 8)
            bindings.append(rows.map(\.0.codeHash.hex)); bindings.append(rows.map(\.1)); bindings.append(rows.map(\.0.clientID))
            bindings.append(rows.map(\.2.microsecondsSinceEpoch)); bindings.append(rows.map(\.0.expiresAt.microsecondsSinceEpoch))
            bindings.append(rows.map { $0.0.subject ?? "" })
            try await connection.run(InsertCodes.self, bindings, logger: logger)
        case .redeemCode:
            let rows = run.compactMap { change -> (String, Int64)? in
                if case .redeemCode(let hash, let at) = change { (hash.hex, at.microsecondsSinceEpoch) } else { nil }
            }
            try await connection.run(StampCodesRedeemed.self, stampBindings(rows), logger: logger)
        case .issueAccessToken:
            let rows = run.compactMap { change -> (TokensIssued, String)? in
                if case .issueAccessToken(let tokens, let flow, _) = change { (tokens, flow) } else { nil }
            }
            // `issued_at` is the token's own `iat` (the deciding clock), so `exp - iat` is its lifetime
            // exactly, whatever second the row was written in. Audiences are space-joined (URIs have no spaces).
            var bindings = PostgresBindings(capacity: 8)
            bindings.append(rows.map(\.0.accessTokenID)); bindings.append(rows.map(\.1)); bindings.append(rows.map(\.0.clientID))
            bindings.append(rows.map(\.0.subject)); bindings.append(rows.map(\.0.scope.description))
            bindings.append(rows.map(\.0.issuedAt.microsecondsSinceEpoch)); bindings.append(rows.map(\.0.accessTokenExpiresAt.microsecondsSinceEpoch))
            bindings.append(rows.map { ($0.0.audience ?? []).joined(separator: " ") })
            try await connection.run(InsertAccessTokens.self, bindings, logger: logger)
        case .revokeAccessTokens:
            let rows = run.flatMap { change -> [(String, Int64)] in
                if case .revokeAccessTokens(let ids, let at) = change { ids.map { ($0, at.microsecondsSinceEpoch) } } else { [] }
            }
            try await stampOnce("access_tokens", key: "jti", time: "revoked_at", rows, on: connection, logger: logger)
        case .issueRefreshToken:
            let rows = run.compactMap { change -> (TokensIssued, IssuedRefreshToken, String, Timestamp)? in
                if case .issueRefreshToken(let tokens, let flow, let at) = change, let refresh = tokens.refreshToken {
                    (tokens, refresh, flow, at)
                } else { nil }
            }
            var bindings = PostgresBindings(capacity: 8)
            bindings.append(rows.map(\.1.hash.hex)); bindings.append(rows.map(\.2)); bindings.append(rows.map(\.0.clientID))
            bindings.append(rows.map(\.0.subject)); bindings.append(rows.map(\.0.scope.description))
            bindings.append(rows.map(\.3.microsecondsSinceEpoch)); bindings.append(rows.map(\.1.expiresAt.microsecondsSinceEpoch))
            try await connection.run(InsertRefreshTokens.self, bindings, logger: logger)
        case .rotateRefreshToken:
            let rows = run.compactMap { change -> (String, Int64)? in
                if case .rotateRefreshToken(let hash, let at) = change { (hash.hex, at.microsecondsSinceEpoch) } else { nil }
            }
            try await connection.run(StampRefreshTokensRotated.self, stampBindings(rows), logger: logger)
        case .revokeRefreshTokens:
            let rows = run.flatMap { change -> [(String, Int64)] in
                if case .revokeRefreshTokens(let hashes, let at) = change { hashes.map { ($0.hex, at.microsecondsSinceEpoch) } } else { [] }
            }
            try await stampOnce("refresh_tokens", key: "token_hash", time: "revoked_at", rows, on: connection, logger: logger)
        case .rememberConsent, .forgetConsent, .directory:
            // Remembering and forgetting one consent, or disabling and enabling one user or client,
            // must stay in event order: one row at a time.
            for change in run {
                switch change {
                case .rememberConsent(let consent, let at):
                    try await connection.query("""
                        INSERT INTO consents (user_id, client_id, scope, remembered_at)
                        VALUES (\(consent.userID), \(consent.clientID), \(consent.scope.tokens), vellum_ts(\(at.microsecondsSinceEpoch)))
                        ON CONFLICT (user_id, client_id) DO UPDATE SET scope = EXCLUDED.scope, remembered_at = EXCLUDED.remembered_at
                        """, logger: logger)
                case .forgetConsent(let userID, let clientID):
                    try await connection.query(
                        "DELETE FROM consents WHERE user_id = \(userID) AND client_id = \(clientID)", logger: logger)
                case .directory(.setCredential(let userID, let credentialID)):
                    try await connection.query(
                        "UPDATE users SET credential_id = \(credentialID) WHERE user_id = \(userID)", logger: logger)
                case .directory(.setUserDisabled(let userID, let disabled)):
                    try await connection.query("UPDATE users SET disabled = \(disabled) WHERE user_id = \(userID)", logger: logger)
                case .directory(.setClientSecret(let clientID, let hash)):
                    try await connection.query(
                        "UPDATE clients SET secret_hash = \(hash.hex) WHERE client_id = \(clientID)", logger: logger)
                case .directory(.loginFailed(let keys, let at)):
                    // A run of failures restarts after the throttle's window without one.
                    try await connection.query("""
                        INSERT INTO login_failures (key, failures, last_failure_at)
                        SELECT k, 1, vellum_ts(\(at.microsecondsSinceEpoch)) FROM unnest(\(keys)::text[]) AS k
                        ON CONFLICT (key) DO UPDATE SET
                            failures = CASE WHEN login_failures.last_failure_at
                                                 < EXCLUDED.last_failure_at - \(LoginThrottle.window) * interval '1 second'
                                            THEN 1 ELSE login_failures.failures + 1 END,
                            last_failure_at = GREATEST(login_failures.last_failure_at, EXCLUDED.last_failure_at)
                        """, logger: logger)
                case .directory(.loginSucceeded(let key)):
                    try await connection.query("DELETE FROM login_failures WHERE key = \(key)", logger: logger)
                case .directory(.setClientDisabled(let clientID, let disabled)):
                    try await connection.query("UPDATE clients SET disabled = \(disabled) WHERE client_id = \(clientID)", logger: logger)
                default:
                    break
                }
            }
        case .createSigningKey:
            for case .createSigningKey(let key, let at) in run {
                try await connection.query("""
                    INSERT INTO signing_keys (kid, algorithm, public_jwk, created_at)
                    VALUES (\(key.kid), \(key.algorithm), \(try EventJSON.encodeValue(key.publicJWK)), vellum_ts(\(at.microsecondsSinceEpoch)))
                    ON CONFLICT (kid) DO NOTHING
                    """, logger: logger)
            }
        case .activateSigningKey:
            for case .activateSigningKey(let kid, let at) in run {
                try await connection.query("""
                    UPDATE signing_keys SET activated_at = vellum_ts(\(at.microsecondsSinceEpoch))
                    WHERE kid = \(kid) AND activated_at IS NULL
                    """, logger: logger)
            }
        case .retireSigningKey:
            for case .retireSigningKey(let kid, let at) in run {
                try await connection.query("""
                    UPDATE signing_keys SET retired_at = vellum_ts(\(at.microsecondsSinceEpoch))
                    WHERE kid = \(kid) AND retired_at IS NULL
                    """, logger: logger)
            }
        }
    }
}

extension ProjectionWriter {
    /// Sets `time` on the rows whose `key` is given, where it is not set yet: the first time counts
    /// (a code is redeemed once, a token revoked once). Table and column names are constants of this file.
    /// Bindings of a first-time stamp: keys, then times.
    fileprivate static func stampBindings(_ rows: [(String, Int64)]) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 8)
        bindings.append(rows.map(\.0))
        bindings.append(rows.map(\.1))
        return bindings
    }

    fileprivate static func stampOnce(
        _ table: String, key: String, time: String, _ rows: [(String, Int64)], on connection: PostgresConnection, logger: Logger
    ) async throws {
        guard !rows.isEmpty else { return }
        try await connection.query("""
            UPDATE \(unescaped: table) SET \(unescaped: time) = vellum_ts(x.at)
            FROM unnest(\(rows.map(\.0))::text[], \(rows.map(\.1))::int8[]) AS x(k, at)
            WHERE \(unescaped: table).\(unescaped: key) = x.k AND \(unescaped: table).\(unescaped: time) IS NULL
            """, logger: logger)
    }
}

/// The inline projections of DESIGN.md §4, applied in every append batch's transaction.
public struct EventProjections: InlineProjection {
    /// The projections.
    public init() {}

    public func apply(_ events: [RecordedEvent], on connection: PostgresConnection, logger: Logger) async throws {
        try await write(changes(for: events), on: connection, logger: logger)
    }

    /// The rows `events` change (decoding only; nothing is written).
    func changes(for events: [RecordedEvent]) throws -> [ProjectionChange] {
        try events.flatMap { try Projector.changes(for: $0) }
    }

    /// The rows that planned `rows` change, when one write statement can carry them with the
    /// events (nil otherwise: see ``FusedProjectionRows``).
    func fusedRows(for rows: [PlannedEvent]) throws -> FusedProjectionRows? {
        var changes: [(streamID: String, change: ProjectionChange)] = []
        for row in rows {
            // Position and transaction are not known yet; no projection row holds them.
            changes += try Projector.changes(for: row.recorded(position: 0, transactionID: 0)).map { (row.streamID, $0) }
        }
        return FusedProjectionRows(changes)
    }

    /// Writes `changes` on the caller's transaction.
    func write(_ changes: [ProjectionChange], on connection: PostgresConnection, logger: Logger) async throws {
        guard !changes.isEmpty else { return }
        try await ProjectionWriter.apply(changes, on: connection, logger: logger)
    }
}
