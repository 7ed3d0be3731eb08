import Hummingbird
import VellumCore
import VellumStore

/// `POST /introspect` (RFC 7662): a client asks whether one of its tokens is active. It reads the
/// projections only (one statement with the client's row, after a signature check for JWTs) and never the log.
/// Revoked, expired, rotated, unknown and other clients' tokens are all `{"active": false}`.
struct IntrospectionEndpoint: Sendable {
    let server: AuthorizationServer

    func register(on router: Router<VellumRequestContext>) {
        // An OAuthError thrown here becomes its JSON answer in StorageErrorMiddleware.
        router.post("introspect") { request, context in try await handle(request, context) }
    }

    private func handle(_ request: Request, _ context: VellumRequestContext) async throws -> Response {
        let (_, client, token) = try await server.tokenRequest(request, context: context)
        guard let record = token, record.clientID == client.clientID, record.isActive(at: server.now) else {
            return Responses.json(["active": false])
        }
        return Responses.json(Introspection(
            active: true, scope: record.scope.description, clientID: record.clientID, sub: record.subject,
            exp: record.expiresAt.secondsSinceEpoch, iat: record.issuedAt.secondsSinceEpoch,
            jti: record.kind == "access_token" ? record.id : nil,
            tokenType: record.kind == "access_token" ? "Bearer" : "refresh_token",
            iss: server.configuration.issuer, aud: record.audience ?? [record.clientID]))
    }
}

/// An active token's introspection response (RFC 7662 §2.2).
struct Introspection: Encodable {
    let active: Bool
    let scope: String
    let clientID: String
    let sub: String
    let exp: Int64
    let iat: Int64
    let jti: String?
    let tokenType: String
    let iss: String
    /// RFC 7662 §2.2: a string or an array of strings; an array here.
    let aud: [String]

    enum CodingKeys: String, CodingKey {
        case active, scope, clientID = "client_id", sub, exp, iat, jti, tokenType = "token_type", iss, aud
    }
}
