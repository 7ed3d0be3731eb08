import NIOCore
import PostgresNIO

/// A prepared lookup by one text key (a primary key).
protocol KeyedRead: PostgresPreparedStatement {
    var key: String { get }
}

extension KeyedRead {
    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(key)
        return bindings
    }
}

/// The reads every token request makes, prepared once per connection: parsed and planned on each
/// request they cost PostgreSQL more than the index lookups themselves.
enum PreparedReads {
    struct Client: KeyedRead {
        static let sql = """
            SELECT client_id, name, redirect_uris, is_public, auth_method, scope, grant_types, secret_hash, disabled,
                   post_logout_redirect_uris
            FROM clients WHERE client_id = $1
            """
        typealias Row = (String, String, [String], Bool, String, [String], [String], String?, Bool, [String]?)
        let key: String

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    struct FlowOfCode: KeyedRead {
        static let sql = """
            SELECT c.flow_id, COALESCE(u.disabled, false)
            FROM authorization_codes c LEFT JOIN users u ON u.user_id = c.subject
            WHERE c.code_hash = $1
            """
        typealias Row = (String, Bool)
        let key: String

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    struct AccessToken: KeyedRead {
        static let sql = """
            SELECT jti, flow_id, client_id, subject, scope, (extract(epoch FROM issued_at) * 1000000)::int8,
                   (extract(epoch FROM expires_at) * 1000000)::int8, revoked_at IS NOT NULL, audience
            FROM access_tokens WHERE jti = $1
            """
        typealias Row = (String, String, String, String, [String], Int64, Int64, Bool, [String]?)
        let key: String

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    struct RefreshToken: KeyedRead {
        static let sql = """
            SELECT token_hash, flow_id, client_id, subject, scope, (extract(epoch FROM issued_at) * 1000000)::int8,
                   (extract(epoch FROM expires_at) * 1000000)::int8, revoked_at IS NOT NULL, rotated_at IS NOT NULL
            FROM refresh_tokens WHERE token_hash = $1
            """
        typealias Row = (String, String, String, String, [String], Int64, Int64, Bool, Bool)
        let key: String

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }
}
