import Hummingbird
import VellumCore
import VellumStore

/// `POST /revoke` (RFC 7009): a client revokes one of its tokens. Revoking a refresh token
/// revokes its whole family and the access tokens issued from it. Unknown, already revoked and
/// other clients' tokens get the same 200, so the endpoint tells nothing about tokens it did not
/// issue to the caller.
struct RevocationEndpoint: Sendable {
    let server: AuthorizationServer

    func register(on router: Router<VellumRequestContext>) {
        // An OAuthError thrown here becomes its JSON answer in StorageErrorMiddleware.
        router.post("revoke") { request, context in try await handle(request, context) }
    }

    private func handle(_ request: Request, _ context: VellumRequestContext) async throws -> Response {
        let (form, client, token) = try await server.tokenRequest(request, context: context)
        if let hint = form.value("token_type_hint"), !["access_token", "refresh_token"].contains(hint) {
            throw OAuthError(.unsupportedTokenType, "token_type_hint must be access_token or refresh_token")
        }
        if let record = token, record.clientID == client.clientID {
            let metadata = request.metadata(context: context, instance: server.configuration.instanceID, actor: .client(client.clientID))
            let command: FlowCommand = record.kind == "refresh_token"
                ? .revokeAll(reason: "client_request")
                : .revokeAccessToken(id: record.id, reason: "client_request")
            try await server.execute([command], on: record.flowID, metadata: metadata)
        }
        var response = Response(status: .ok)
        response.headers[.cacheControl] = "no-store"
        return response
    }
}
