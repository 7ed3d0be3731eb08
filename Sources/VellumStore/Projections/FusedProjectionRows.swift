import PostgresNIO
import VellumCore

/// The projection rows of an append batch that its write statement carries itself (DESIGN.md §4):
/// the kinds of the token path — sessions started and ended, codes issued and redeemed, tokens
/// issued, rotated and revoked. The batch is then one statement: its events, its heads and its rows
/// commit together with no BEGIN and COMMIT round trips. Each row names the stream of the event it
/// derives from and is written only if that stream's events are, so a stream that lost its race
/// leaves no row behind and is planned again with its events.
///
/// A batch with any other change (a client, a user, a consent, a failed login…), or one that
/// stamps a row it also inserts or stamps twice (the parts of one statement do not see one
/// another's rows, and two parts changing one row are not both applied), has none: it is written
/// in a transaction, one statement per kind (``ProjectionWriter``).
struct FusedProjectionRows: Sendable {
    private var sessions = StreamColumns(text: 3, int: 2)     // id, secret hash, user; started, expires
    private var codes = StreamColumns(text: 3, int: 2)        // hash, client, subject; issued, expires
    private var accessTokens = StreamColumns(text: 5, int: 2) // jti, client, subject, scope, audience; issued, expires
    private var refreshTokens = StreamColumns(text: 4, int: 2) // hash, client, subject, scope; issued, expires
    private var stamps = Array(repeating: StreamColumns(text: 1, int: 1), count: Stamp.allCases.count)

    /// The rows of `changes`, each with the stream of its event; nil when the batch cannot be one statement.
    init?(_ changes: [(streamID: String, change: ProjectionChange)]) {
        var inserted = Set<RowKey>()
        var stamped = Set<RowKey>()
        func stamp(_ stamp: Stamp, _ key: String, stream: String, at: Timestamp) -> Bool {
            let row = RowKey(table: stamp.table, key: key)
            guard !inserted.contains(row), stamped.insert(row).inserted else { return false }
            stamps[stamp.rawValue].append(stream: stream, text: [key], int: [at.microsecondsSinceEpoch])
            return true
        }
        for (stream, change) in changes {
            switch change {
            case .startSession(let session, let at):
                inserted.insert(RowKey(table: Stamp.sessionEnded.table, key: session.sessionID))
                sessions.append(stream: stream, text: [session.sessionID, session.secretHash.hex, session.userID],
                                int: [at.microsecondsSinceEpoch, session.expiresAt.microsecondsSinceEpoch])
            case .issueCode(let code, let flowID, let at):
                guard flowID == stream else { return nil }
                inserted.insert(RowKey(table: Stamp.codeRedeemed.table, key: code.codeHash.hex))
                codes.append(stream: stream, text: [code.codeHash.hex, code.clientID, code.subject ?? ""],
                             int: [at.microsecondsSinceEpoch, code.expiresAt.microsecondsSinceEpoch])
            case .issueAccessToken(let tokens, let flowID, _):
                // `issued_at` is the token's own `iat`, as in ``ProjectionWriter``.
                guard flowID == stream else { return nil }
                inserted.insert(RowKey(table: Stamp.accessTokenRevoked.table, key: tokens.accessTokenID))
                accessTokens.append(stream: stream, text: [tokens.accessTokenID, tokens.clientID, tokens.subject,
                                                           tokens.scope.description, (tokens.audience ?? []).joined(separator: " ")],
                                    int: [tokens.issuedAt.microsecondsSinceEpoch, tokens.accessTokenExpiresAt.microsecondsSinceEpoch])
            case .issueRefreshToken(let tokens, let flowID, let at):
                guard flowID == stream, let refresh = tokens.refreshToken else { return nil }
                inserted.insert(RowKey(table: Stamp.refreshTokenRotated.table, key: refresh.hash.hex))
                refreshTokens.append(stream: stream, text: [refresh.hash.hex, tokens.clientID, tokens.subject, tokens.scope.description],
                                     int: [at.microsecondsSinceEpoch, refresh.expiresAt.microsecondsSinceEpoch])
            case .redeemCode(let hash, let at):
                guard stamp(.codeRedeemed, hash.hex, stream: stream, at: at) else { return nil }
            case .rotateRefreshToken(let hash, let at):
                guard stamp(.refreshTokenRotated, hash.hex, stream: stream, at: at) else { return nil }
            case .endSession(let sessionID, let at):
                guard stamp(.sessionEnded, sessionID, stream: stream, at: at) else { return nil }
            case .revokeAccessTokens(let ids, let at):
                for id in ids { guard stamp(.accessTokenRevoked, id, stream: stream, at: at) else { return nil } }
            case .revokeRefreshTokens(let hashes, let at):
                for hash in hashes { guard stamp(.refreshTokenRevoked, hash.hex, stream: stream, at: at) else { return nil } }
            default:
                return nil
            }
        }
    }

    /// Binds the rows in the order of ``sql(firstParameter:)``'s parameters.
    func bind(to bindings: inout PostgresBindings) {
        for columns in [sessions, codes, accessTokens, refreshTokens] + stamps { columns.bind(to: &bindings) }
    }

    /// How many parameters ``sql(firstParameter:)`` takes.
    static let parameterCount = 6 + 6 + 8 + 7 + 3 * Stamp.allCases.count

    /// The common table expressions that write the rows, numbering their parameters from
    /// `firstParameter`; they expect a `written` expression holding the stream ids written.
    static func sql(firstParameter first: Int) -> String {
        var next = first
        func parameters(_ types: String...) -> String {
            defer { next += types.count }
            return types.enumerated().map { "$\(next + $0.offset)::\($0.element)[]" }.joined(separator: ", ")
        }
        var parts = [
            """
            sessions_started AS (
                INSERT INTO sessions (session_id, secret_hash, user_id, started_at, expires_at)
                SELECT id, h, u, vellum_ts(st), vellum_ts(e)
                FROM unnest(\(parameters("text", "text", "text", "text", "int8", "int8"))) AS x(s, id, h, u, st, e)
                WHERE x.s IN (SELECT stream_id FROM written)
                ON CONFLICT (session_id) DO NOTHING
            )
            """,
            """
            codes_issued AS (
                INSERT INTO authorization_codes (code_hash, flow_id, client_id, issued_at, expires_at, subject)
                SELECT h, f, c, vellum_ts(i), vellum_ts(e), NULLIF(su, '')
                FROM unnest(\(parameters("text", "text", "text", "text", "int8", "int8"))) AS x(f, h, c, su, i, e)
                WHERE x.f IN (SELECT stream_id FROM written)
                ON CONFLICT (code_hash) DO NOTHING
            )
            """,
            """
            access_tokens_issued AS (
                INSERT INTO access_tokens (jti, flow_id, client_id, subject, scope, issued_at, expires_at, audience)
                SELECT j, f, c, su, string_to_array(sc, ' '), vellum_ts(i), vellum_ts(e), string_to_array(nullif(a, ''), ' ')
                FROM unnest(\(parameters("text", "text", "text", "text", "text", "text", "int8", "int8"))) AS x(f, j, c, su, sc, a, i, e)
                WHERE x.f IN (SELECT stream_id FROM written)
                ON CONFLICT (jti) DO NOTHING
            )
            """,
            """
            refresh_tokens_issued AS (
                INSERT INTO refresh_tokens (token_hash, flow_id, client_id, subject, scope, issued_at, expires_at)
                SELECT h, f, c, su, string_to_array(sc, ' '), vellum_ts(i), vellum_ts(e)
                FROM unnest(\(parameters("text", "text", "text", "text", "text", "int8", "int8"))) AS x(f, h, c, su, sc, i, e)
                WHERE x.f IN (SELECT stream_id FROM written)
                ON CONFLICT (token_hash) DO NOTHING
            )
            """,
        ]
        for stamp in Stamp.allCases {
            // First-time stamps: the first time counts (a code is redeemed once, a token revoked once).
            parts.append("""
                \(stamp.name) AS (
                    UPDATE \(stamp.table) SET \(stamp.column) = vellum_ts(x.at)
                    FROM unnest(\(parameters("text", "text", "int8"))) AS x(s, k, at)
                    WHERE \(stamp.table).\(stamp.key) = x.k AND \(stamp.table).\(stamp.column) IS NULL
                      AND x.s IN (SELECT stream_id FROM written)
                )
                """)
        }
        return parts.joined(separator: ",\n")
    }

    /// The first-time stamps a fused batch writes, in the order of their parameters.
    private enum Stamp: Int, CaseIterable {
        case codeRedeemed, refreshTokenRotated, sessionEnded, accessTokenRevoked, refreshTokenRevoked

        var name: String { ["codes_redeemed", "refresh_tokens_rotated", "sessions_ended", "access_tokens_revoked", "refresh_tokens_revoked"][rawValue] }
        var table: String { ["authorization_codes", "refresh_tokens", "sessions", "access_tokens", "refresh_tokens"][rawValue] }
        var key: String { ["code_hash", "token_hash", "session_id", "jti", "token_hash"][rawValue] }
        var column: String { ["redeemed_at", "rotated_at", "ended_at", "revoked_at", "revoked_at"][rawValue] }
    }

    /// One projection row's identity, to find two parts of the statement touching it.
    private struct RowKey: Hashable {
        let table: String
        let key: String
    }
}

/// The columns of one part of the statement, as arrays: the stream of each row, then its text
/// columns, then its integer columns.
private struct StreamColumns: Sendable {
    private var streams: [String] = []
    private var text: [[String]]
    private var int: [[Int64]]

    init(text: Int, int: Int) {
        self.text = Array(repeating: [], count: text)
        self.int = Array(repeating: [], count: int)
    }

    mutating func append(stream: String, text values: [String], int numbers: [Int64]) {
        streams.append(stream)
        for (index, value) in values.enumerated() { text[index].append(value) }
        for (index, value) in numbers.enumerated() { int[index].append(value) }
    }

    func bind(to bindings: inout PostgresBindings) {
        bindings.append(streams)
        for column in text { bindings.append(column) }
        for column in int { bindings.append(column) }
    }
}
