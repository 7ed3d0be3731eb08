import NIOCore
import PostgresNIO
import VellumCore

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
/// request they cost PostgreSQL more than the index lookups themselves. A token request reads its
/// client and what it presents (a code's flow, a token) in one statement: one round trip before
/// the decision, and the client's row as current as the statement's snapshot (no cache to go stale).
enum PreparedReads {
    static let clientColumns = """
        cl.client_id, cl.name, cl.redirect_uris, cl.is_public, cl.auth_method, cl.scope, cl.grant_types, \
        cl.secret_hash, cl.disabled, cl.post_logout_redirect_uris
        """
    static let accessTokenColumns = """
        a.jti, a.flow_id, a.client_id, a.subject, a.scope, (extract(epoch FROM a.issued_at) * 1000000)::int8, \
        (extract(epoch FROM a.expires_at) * 1000000)::int8, a.revoked_at IS NOT NULL, a.audience
        """
    static let refreshTokenColumns = """
        r.token_hash, r.flow_id, r.client_id, r.subject, r.scope, (extract(epoch FROM r.issued_at) * 1000000)::int8, \
        (extract(epoch FROM r.expires_at) * 1000000)::int8, r.revoked_at IS NOT NULL, r.rotated_at IS NOT NULL
        """

    static let sessionColumns = """
        s.session_id, s.user_id, (extract(epoch FROM s.started_at) * 1000000)::int8, \
        (extract(epoch FROM s.expires_at) * 1000000)::int8, s.ended_at IS NOT NULL, u.username
        """

    /// The browser session whose cookie hashes to the key, with its user's name.
    struct Session: KeyedRead {
        static let sql = """
            SELECT \(sessionColumns) FROM sessions s LEFT JOIN users u ON u.user_id = s.user_id WHERE s.secret_hash = $1
            """
        let key: String

        func decodeRow(_ row: PostgresRow) throws -> BrowserSessionRead? { try ProjectionRow(row).session(at: 0) }
    }

    /// What `/authorize` decides on, in one statement: the client, the browser session its cookie
    /// names with the user's name, and the consent that user remembered for the client. (Three
    /// statements and round trips before; always one row.)
    struct ClientWithSession: PostgresPreparedStatement {
        static let sql = """
            SELECT \(clientColumns), \(sessionColumns), rc.scope
            FROM (SELECT $1::text AS client_id) k
            LEFT JOIN clients cl ON cl.client_id = k.client_id
            LEFT JOIN sessions s ON s.secret_hash = $2
            LEFT JOIN users u ON u.user_id = s.user_id
            LEFT JOIN consents rc ON rc.user_id = s.user_id AND rc.client_id = k.client_id
            """
        let clientID: String
        let sessionHash: String?

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 2)
            bindings.append(clientID)
            if let sessionHash { bindings.append(sessionHash) } else { bindings.appendNull() }
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> AuthorizeRead {
            let cells = ProjectionRow(row)
            let session = try cells.session(at: 10)
            return AuthorizeRead(client: try cells.client(at: 0), session: session,
                                 rememberedScope: session == nil ? nil : try cells.row[16].decode([String]?.self).map(Scope.init))
        }
    }

    struct Client: KeyedRead {
        static let sql = "SELECT \(clientColumns) FROM clients cl WHERE cl.client_id = $1"
        let key: String

        func decodeRow(_ row: PostgresRow) throws -> RegisteredClient? { try ProjectionRow(row).client(at: 0) }
    }

    struct AccessToken: KeyedRead {
        static let sql = "SELECT \(accessTokenColumns) FROM access_tokens a WHERE a.jti = $1"
        let key: String

        func decodeRow(_ row: PostgresRow) throws -> TokenRecord? { try ProjectionRow(row).accessToken(at: 0) }
    }

    struct RefreshToken: KeyedRead {
        static let sql = "SELECT \(refreshTokenColumns) FROM refresh_tokens r WHERE r.token_hash = $1"
        let key: String

        func decodeRow(_ row: PostgresRow) throws -> TokenRecord? { try ProjectionRow(row).refreshToken(at: 0) }
    }

    /// A client and the flow of the code it presents (no row: no such client).
    struct ClientWithCode: PostgresPreparedStatement {
        static let sql = """
            SELECT \(clientColumns), c.flow_id, COALESCE(u.disabled, false)
            FROM clients cl
            LEFT JOIN (authorization_codes c LEFT JOIN users u ON u.user_id = c.subject) ON c.code_hash = $2
            WHERE cl.client_id = $1
            """
        let clientID: String
        let codeHash: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 2)
            bindings.append(clientID)
            bindings.append(codeHash)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> ClientRead {
            let cells = ProjectionRow(row)
            var read = ClientRead(client: try cells.client(at: 0))
            if let flow = try cells.string(at: 10) {
                read.codeFlow = (flow, try cells.row[11].decode(Bool.self))
            }
            return read
        }
    }

    /// A client and the token it presents, looked up as an access token (by `jti`, when given)
    /// and as a refresh token (by hash) at once (no row: no such client).
    struct ClientWithToken: PostgresPreparedStatement {
        static let sql = """
            SELECT \(clientColumns), \(accessTokenColumns), \(refreshTokenColumns)
            FROM clients cl
            LEFT JOIN access_tokens a ON a.jti = $2
            LEFT JOIN refresh_tokens r ON r.token_hash = $3
            WHERE cl.client_id = $1
            """
        let clientID: String
        let jti: String?
        let refreshHash: String?

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 3)
            bindings.append(clientID)
            if let jti { bindings.append(jti) } else { bindings.appendNull() }
            if let refreshHash { bindings.append(refreshHash) } else { bindings.appendNull() }
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> ClientRead {
            let cells = ProjectionRow(row)
            return ClientRead(client: try cells.client(at: 0), accessToken: try cells.accessToken(at: 10),
                              refreshToken: try cells.refreshToken(at: 19))
        }
    }
}

/// The columns of a projection row, decoded by position: the same decoding for a row read alone
/// and for one read beside others (where a missing row is a run of nulls).
struct ProjectionRow {
    let row: PostgresRandomAccessRow

    init(_ row: PostgresRow) { self.row = row.makeRandomAccess() }

    func string(at column: Int) throws -> String? { try row[column].decode(String?.self) }

    /// The client in the ten `clientColumns` from `column`; nil when they are null.
    func client(at column: Int) throws -> RegisteredClient? {
        guard let id = try string(at: column) else { return nil }
        let method = try row[column + 4].decode(String.self)
        var registered = RegisteredClient(ClientRegistered(
            clientID: id, name: try row[column + 1].decode(String.self), redirectURIs: try row[column + 2].decode([String].self),
            isPublic: try row[column + 3].decode(Bool.self),
            authMethod: ClientAuthenticationMethod(rawValue: method) ?? .clientSecretBasic,
            scope: Scope(try row[column + 5].decode([String].self)), grantTypes: try row[column + 6].decode([String].self),
            secretHash: try row[column + 7].decode(String?.self).map(SecretHash.init(hex:)),
            postLogoutRedirectURIs: try row[column + 9].decode([String]?.self)))
        registered.disabled = try row[column + 8].decode(Bool.self)
        return registered
    }

    /// The session in the six `sessionColumns` from `column`; nil when they are null.
    func session(at column: Int) throws -> BrowserSessionRead? {
        guard let id = try string(at: column) else { return nil }
        let record = SessionRecord(
            sessionID: id, userID: try row[column + 1].decode(String.self),
            startedAt: Timestamp(microsecondsSinceEpoch: try row[column + 2].decode(Int64.self)),
            expiresAt: Timestamp(microsecondsSinceEpoch: try row[column + 3].decode(Int64.self)),
            ended: try row[column + 4].decode(Bool.self))
        return BrowserSessionRead(record: record, username: try string(at: column + 5))
    }

    /// The access token in the nine `accessTokenColumns` from `column`; nil when they are null.
    func accessToken(at column: Int) throws -> TokenRecord? {
        guard let jti = try string(at: column) else { return nil }
        var record = try token(kind: "access_token", id: jti, at: column, rotated: false)
        record.audience = try row[column + 8].decode([String]?.self)
        return record
    }

    /// The refresh token in the nine `refreshTokenColumns` from `column`; nil when they are null.
    func refreshToken(at column: Int) throws -> TokenRecord? {
        guard let hash = try string(at: column) else { return nil }
        return try token(kind: "refresh_token", id: hash, at: column, rotated: try row[column + 8].decode(Bool.self))
    }

    private func token(kind: String, id: String, at column: Int, rotated: Bool) throws -> TokenRecord {
        TokenRecord(kind: kind, id: id, flowStream: try row[column + 1].decode(String.self),
                    clientID: try row[column + 2].decode(String.self), subject: try row[column + 3].decode(String.self),
                    scope: Scope(try row[column + 4].decode([String].self)),
                    issuedAt: Timestamp(microsecondsSinceEpoch: try row[column + 5].decode(Int64.self)),
                    expiresAt: Timestamp(microsecondsSinceEpoch: try row[column + 6].decode(Int64.self)),
                    revoked: try row[column + 7].decode(Bool.self), rotated: rotated)
    }
}
