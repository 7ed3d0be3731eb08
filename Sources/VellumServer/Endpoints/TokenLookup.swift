import Hummingbird
import VellumCore
import VellumStore

extension AuthorizationServer {
    /// The form, the authenticated client and the `token` parameter of a revocation or
    /// introspection request.
    func tokenRequest(_ request: Request) async throws -> (form: RequestParameters, client: RegisteredClient, token: String) {
        let form = try await request.formParameters()
        let client = try await authenticateClient(request, form: form)
        guard let token = form.value("token"), !token.isEmpty else { throw OAuthError.invalidRequest("token is required") }
        return (form, client, token)
    }

    /// Finds the token a client presented: a JWT access token (its signature verified against the
    /// published keys, then looked up by `jti`) or an opaque refresh token (looked up by hash).
    /// One indexed lookup either way; `hint` (RFC 7009 §2.1, RFC 7662 §2.1) only sets the order.
    func lookUpToken(_ token: String, hint: String?) async throws -> TokenRecord? {
        let looksLikeJWT = token.split(separator: ".", omittingEmptySubsequences: false).count == 3
        if looksLikeJWT && hint != "refresh_token" || hint == "access_token" {
            if let record = try await accessToken(token) { return record }
            return looksLikeJWT ? nil : try await queries.refreshToken(hash: SecretHash(of: token))
        }
        if let record = try await queries.refreshToken(hash: SecretHash(of: token)) { return record }
        return looksLikeJWT ? try await accessToken(token) : nil
    }

    /// The access token record behind a JWT whose signature holds.
    func accessToken(_ jwt: String) async throws -> TokenRecord? {
        guard let claims = await keys.verify(jwt, as: AccessTokenClaims.self) else { return nil }
        return try await queries.accessToken(jti: claims.jti)
    }
}
