import Hummingbird
import VellumCore
import VellumStore

/// `GET /userinfo` (OpenID Connect Core §5.3), with a Bearer access token (RFC 6750 §2.1) that
/// carries `openid`.
struct UserinfoEndpoint: Sendable {
    let server: AuthorizationServer

    func register(on router: Router<VellumRequestContext>) {
        router.get("userinfo") { request, _ in try await handle(request) }
        router.post("userinfo") { request, _ in try await handle(request) }
    }

    private func handle(_ request: Request) async throws -> Response {
        guard let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("bearer ") else {
            return Self.challenge(nil)
        }
        let token = String(authorization.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        guard let record = try await server.accessToken(token), record.isActive(at: server.now) else {
            return Self.challenge(OAuthError(.invalidToken, "the access token is invalid, expired or revoked"))
        }
        guard record.scope.contains("openid") else {
            var response = Self.challenge(OAuthError(.insufficientScope, "the token lacks the openid scope"))
            response.status = .forbidden
            return response
        }
        var claims = ["sub": record.subject]
        if record.scope.contains("profile"), let username = try await server.queries.username(of: record.subject) {
            claims["preferred_username"] = username
        }
        return Responses.json(claims)
    }

    /// 401 with a Bearer challenge (RFC 6750 §3).
    private static func challenge(_ error: OAuthError?) -> Response {
        var response = Response(status: .unauthorized)
        var challenge = #"Bearer realm="vellum""#
        if let error { challenge += #", error="\#(error.code.rawValue)", error_description="\#(error.description)""# }
        response.headers[.wwwAuthenticate] = challenge
        response.headers[.cacheControl] = "no-store"
        return response
    }
}
