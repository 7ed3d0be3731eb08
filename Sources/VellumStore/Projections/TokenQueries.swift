public import VellumCore

/// A token as the `access_tokens` or `refresh_tokens` projection holds it.
public struct TokenRecord: Sendable, Equatable {
    /// `access_token` or `refresh_token` (RFC 7662 `token_type` says `Bearer` for the former).
    public let kind: String
    /// The access token's `jti`, or the refresh token's hash.
    public let id: String
    /// The flow stream the token belongs to.
    public let flowStream: String
    public let clientID: String
    public let subject: String
    public let scope: Scope
    public let issuedAt: Timestamp
    public let expiresAt: Timestamp
    public let revoked: Bool
    /// For a refresh token: exchanged for its successor.
    public let rotated: Bool
    /// For an access token: its `aud` (nil for tokens issued before audiences were recorded).
    public var audience: [String]? = nil

    /// Whether it still works at `now`: not revoked, not rotated, not expired (by time alone).
    public func isActive(at now: Timestamp) -> Bool { !revoked && !rotated && now < expiresAt }

    /// The flow's id (the stream id without `flow-`).
    public var flowID: String { StreamID.flowID(of: flowStream) ?? flowStream }
}

/// A client and, read with it in one statement, what a token request presents. Everything is nil
/// when there is no such client.
public struct ClientRead: Sendable {
    /// The flow of a code and whether the user it acts for is disabled now.
    public typealias CodeFlow = (flowStream: String, subjectDisabled: Bool)

    public var client: RegisteredClient?
    /// The flow of the presented code.
    public var codeFlow: CodeFlow?
    public var accessToken: TokenRecord?
    public var refreshToken: TokenRecord?

    public init(client: RegisteredClient?, codeFlow: CodeFlow? = nil,
                accessToken: TokenRecord? = nil, refreshToken: TokenRecord? = nil) {
        self.client = client
        self.codeFlow = codeFlow
        self.accessToken = accessToken
        self.refreshToken = refreshToken
    }
}

extension ProjectionQueries {
    /// The access token with `jti`, if it is still in the projection.
    public func accessToken(jti: String) async throws -> TokenRecord? {
        try await firstRow(PreparedReads.AccessToken(key: jti)) ?? nil
    }

    /// The refresh token hashing to `hash`, if it is still in the projection.
    public func refreshToken(hash: SecretHash) async throws -> TokenRecord? {
        try await firstRow(PreparedReads.RefreshToken(key: hash.hex)) ?? nil
    }

    /// The scope `userID` asked Vellum to remember for `clientID`, if any.
    public func rememberedConsent(userID: String, clientID: String) async throws -> Scope? {
        let rows = try await client.query(
            "SELECT scope FROM consents WHERE user_id = \(userID) AND client_id = \(clientID)", logger: logger)
        for try await scope in rows.decode([String].self) { return Scope(scope) }
        return nil
    }

    /// Every remembered consent of `userID`: client, scope, when.
    public func rememberedConsents(userID: String) async throws -> [(clientID: String, scope: Scope, rememberedAt: Timestamp)] {
        let rows = try await client.query("""
            SELECT client_id, scope, (extract(epoch FROM remembered_at) * 1000000)::int8
            FROM consents WHERE user_id = \(userID) ORDER BY client_id
            """, logger: logger)
        var consents: [(String, Scope, Timestamp)] = []
        for try await (clientID, scope, at) in rows.decode((String, [String], Int64).self) {
            consents.append((clientID, Scope(scope), Timestamp(microsecondsSinceEpoch: at)))
        }
        return consents
    }

    /// The flows holding a token not yet revoked for user `userID` (its subject), for client
    /// `clientID`, or for both; nil matches any.
    public func flowsWithTokens(userID: String? = nil, clientID: String? = nil) async throws -> [String] {
        let rows = try await client.query("""
            SELECT flow_id FROM access_tokens
            WHERE revoked_at IS NULL AND (\(userID)::text IS NULL OR subject = \(userID)) AND (\(clientID)::text IS NULL OR client_id = \(clientID))
            UNION
            SELECT flow_id FROM refresh_tokens
            WHERE revoked_at IS NULL AND (\(userID)::text IS NULL OR subject = \(userID)) AND (\(clientID)::text IS NULL OR client_id = \(clientID))
            """, logger: logger)
        var flows: [String] = []
        for try await flow in rows.decode(String.self) { flows.append(flow) }
        return flows.sorted()
    }
}
