import Hummingbird
import VellumCore
import VellumStore

extension AuthorizationServer {
    /// The form, the authenticated client and the token named by the `token` parameter of a
    /// revocation or introspection request (nil: unknown, or not Vellum's).
    ///
    /// The token is looked up as both kinds at once, in the statement that reads the client: a JWT
    /// access token (its signature verified against the published keys, then by `jti`) and an
    /// opaque refresh token (by hash). `token_type_hint` (RFC 7009 §2.1, RFC 7662 §2.1) may thus be
    /// wrong without cost; the server must search every kind anyway when it is.
    func tokenRequest(_ request: Request, context: VellumRequestContext) async throws -> (form: RequestParameters, client: RegisteredClient, token: TokenRecord?) {
        let form = try await request.formParameters()
        let token = form.value("token").flatMap { $0.isEmpty ? nil : $0 }
        let (client, read) = try await authenticateClient(request, context: context, form: form) { clientID in
            guard let token else { return ClientRead(client: try await queries.client(clientID)) }
            let jti = await verifiedAccessToken(token)?.jti
            return try await queries.client(clientID, presentingAccessToken: jti, orRefreshToken: jti == nil ? SecretHash(of: token) : nil)
        }
        guard token != nil else { throw OAuthError.invalidRequest("token is required") }
        return (form, client, read.accessToken ?? read.refreshToken)
    }

    /// The claims of `token` when it is a JWT access token whose signature holds.
    func verifiedAccessToken(_ token: String) async -> AccessTokenClaims? {
        guard token.utf8.count { $0 == UInt8(ascii: ".") } == 2 else { return nil }
        return await keys.verifyAccessToken(token)
    }

    /// The access token record behind a JWT whose signature holds.
    func accessToken(_ jwt: String) async throws -> TokenRecord? {
        guard let claims = await verifiedAccessToken(jwt) else { return nil }
        return try await queries.accessToken(jti: claims.jti)
    }
}
