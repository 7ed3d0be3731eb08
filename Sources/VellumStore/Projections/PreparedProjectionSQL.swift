import PostgresNIO

/// A projection statement prepared once per connection. The statements an append batch runs
/// hundreds of times a second were parsed and planned on every batch, which cost the database
/// about as much as writing their rows (the appender's own statements learnt that first).
protocol ProjectionSQL {
    static var sql: String { get }
}

struct PreparedProjection<Statement: ProjectionSQL>: PostgresPreparedStatement {
    // Each statement type is its own prepared statement (named after the generic type).
    static var sql: String { Statement.sql }
    typealias Row = ()
    let bindings: PostgresBindings

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> Row { () }
}

extension PostgresConnection {
    /// Runs a prepared projection statement with `bindings`.
    func run<Statement: ProjectionSQL>(_ statement: Statement.Type, _ bindings: PostgresBindings, logger: Logger) async throws {
        for try await _ in try await execute(PreparedProjection<Statement>(bindings: bindings), logger: logger) {}
    }
}

enum InsertCodes: ProjectionSQL {
    static let sql = """
        INSERT INTO authorization_codes (code_hash, flow_id, client_id, issued_at, expires_at, subject)
        SELECT h, f, c, vellum_ts(i), vellum_ts(e), NULLIF(s, '')
        FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::int8[], $6::text[]) AS x(h, f, c, i, e, s)
        ON CONFLICT (code_hash) DO NOTHING
        """
}

enum InsertAccessTokens: ProjectionSQL {
    static let sql = """
        INSERT INTO access_tokens (jti, flow_id, client_id, subject, scope, issued_at, expires_at, audience)
        SELECT j, f, c, s, string_to_array(sc, ' '), vellum_ts(i), vellum_ts(e), string_to_array(nullif(a, ''), ' ')
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[], $7::int8[], $8::text[])
             AS x(j, f, c, s, sc, i, e, a)
        ON CONFLICT (jti) DO NOTHING
        """
}

enum InsertRefreshTokens: ProjectionSQL {
    static let sql = """
        INSERT INTO refresh_tokens (token_hash, flow_id, client_id, subject, scope, issued_at, expires_at)
        SELECT h, f, c, s, string_to_array(sc, ' '), vellum_ts(i), vellum_ts(e)
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[], $7::int8[]) AS x(h, f, c, s, sc, i, e)
        ON CONFLICT (token_hash) DO NOTHING
        """
}

/// First-time stamps of the hot path (a code redeemed, a refresh token rotated).
enum StampCodesRedeemed: ProjectionSQL {
    static let sql = """
        UPDATE authorization_codes SET redeemed_at = vellum_ts(x.at)
        FROM unnest($1::text[], $2::int8[]) AS x(k, at)
        WHERE authorization_codes.code_hash = x.k AND authorization_codes.redeemed_at IS NULL
        """
}

enum StampRefreshTokensRotated: ProjectionSQL {
    static let sql = """
        UPDATE refresh_tokens SET rotated_at = vellum_ts(x.at)
        FROM unnest($1::text[], $2::int8[]) AS x(k, at)
        WHERE refresh_tokens.token_hash = x.k AND refresh_tokens.rotated_at IS NULL
        """
}
