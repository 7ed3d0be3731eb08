import Foundation
import Hummingbird
import VellumCore
import VellumStore

/// `POST /token` (RFC 6749 §3.2, §4.1.3): authenticates the client, then exchanges an
/// authorization code for an access token. The decision is made on the flow stream's latest
/// version, so a code is redeemed once however many instances race for it.
struct TokenEndpoint: Sendable {
    let server: AuthorizationServer

    func register(on router: Router<VellumRequestContext>) {
        router.post("token") { request, context in
            do {
                return try await handle(request, context)
            } catch let error as OAuthError {
                return Responses.oauthError(error)
            }
        }
        router.on("token", method: .get) { _, _ in
            var response = Responses.oauthError(.invalidRequest("the token endpoint accepts only POST"))
            response.status = .methodNotAllowed
            response.headers[.allow] = "POST"
            return response
        }
    }

    private func handle(_ request: Request, _ context: VellumRequestContext) async throws -> Response {
        let form = try await request.formParameters()
        let client = try await server.authenticateClient(request, form: form)
        guard let grantType = form.value("grant_type") else { throw OAuthError.invalidRequest("grant_type is required") }
        guard client.allows(grantType: grantType) else {
            if ClientRules.supportedGrantTypes.contains(grantType) {
                throw OAuthError(.unauthorizedClient, "the client may not use the \(grantType) grant")
            }
            throw OAuthError(.unsupportedGrantType, "grant_type '\(grantType)' is not supported")
        }
        switch grantType {
        case "authorization_code":
            return try await redeemCode(form, client: client, request: request, context: context)
        default:
            throw OAuthError(.unsupportedGrantType, "grant_type '\(grantType)' is not supported")
        }
    }

    private func redeemCode(
        _ form: RequestParameters, client: RegisteredClient, request: Request, context: VellumRequestContext
    ) async throws -> Response {
        guard let code = form.value("code"), !code.isEmpty else { throw OAuthError.invalidRequest("code is required") }
        let codeHash = SecretHash(of: code)
        guard let flowStream = try await server.queries.flowOfCode(codeHash) else {
            throw OAuthError.invalidGrant("the authorization code is invalid")
        }
        let flowID = String(flowStream.dropFirst("flow-".count))
        let now = server.now
        let accessTokenID = SecretGenerator.generate(bytes: 16)
        let redemption = CodeRedemption(
            codeHash: codeHash, clientID: client.clientID, redirectURI: form.value("redirect_uri"),
            codeVerifier: form.value("code_verifier"), now: now, accessTokenID: accessTokenID,
            accessTokenLifetime: server.configuration.accessTokenLifetime)
        let metadata = request.metadata(context: context, instance: server.configuration.instanceID, actor: .client(client.clientID))
        let (decision, state) = try await server.execute([.redeemCode(redemption)], on: flowID, metadata: metadata)

        switch decision {
        case .refuse(let error), .reject(_, let error):
            throw error
        case .accept(let events):
            guard let issued = events.lazy.compactMap({ event -> TokensIssued? in
                if case .tokensIssued(let tokens) = event { tokens } else { nil }
            }).first else { throw OAuthError(.serverError, "no token was issued") }
            let accessToken = try await server.keys.sign(AccessTokenClaims(
                iss: server.configuration.issuer, sub: issued.subject, aud: issued.clientID, clientID: issued.clientID,
                scope: issued.scope.description, jti: issued.accessTokenID, iat: now.secondsSinceEpoch,
                exp: issued.accessTokenExpiresAt.secondsSinceEpoch, authTime: state.authentication?.authTime.secondsSinceEpoch),
                type: "at+jwt")
            return Responses.json(TokenResponse(
                accessToken: accessToken, tokenType: "Bearer", expiresIn: server.configuration.accessTokenLifetime,
                scope: issued.scope.description))
        }
    }
}

/// A successful token response (RFC 6749 §5.1).
struct TokenResponse: Encodable {
    let accessToken: String
    let tokenType: String
    let expiresIn: Int64
    let scope: String

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token", tokenType = "token_type", expiresIn = "expires_in", scope
    }
}
