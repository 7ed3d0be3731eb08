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
        // An OAuthError thrown here becomes its JSON answer in StorageErrorMiddleware.
        // Any other method gets 405 with `Allow: POST` from ``MethodGuard``.
        router.post("token") { request, context in try await handle(request, context) }
    }

    private func handle(_ request: Request, _ context: VellumRequestContext) async throws -> Response {
        let form = try await request.formParameters()
        let grantType = form.value("grant_type")
        // What the grant presents, hashed once: the read below and the decision both use it.
        let presentedHash: SecretHash? = switch grantType {
        case "authorization_code": form.value("code").map { SecretHash(of: $0) }
        case "refresh_token": form.value("refresh_token").map { SecretHash(of: $0) }
        default: nil
        }
        // The client's row and the grant's (a code's flow, a refresh token) in one statement.
        let (client, read) = try await server.authenticateClient(request, context: context, form: form) { clientID in
            switch (grantType, presentedHash) {
            case ("authorization_code", let hash?):
                return try await server.queries.client(clientID, presentingCode: hash)
            case ("refresh_token", let hash?):
                return try await server.queries.client(clientID, presentingAccessToken: nil, orRefreshToken: hash)
            default:
                return ClientRead(client: try await server.queries.client(clientID))
            }
        }
        guard let grantType else { throw OAuthError.invalidRequest("grant_type is required") }
        guard client.allows(grantType: grantType) else {
            if ClientRules.supportedGrantTypes.contains(grantType) {
                throw OAuthError(.unauthorizedClient, "the client may not use the \(grantType) grant")
            }
            throw OAuthError(.unsupportedGrantType, "grant_type '\(grantType)' is not supported")
        }
        switch grantType {
        case "authorization_code":
            return try await redeemCode(form, client: client, codeHash: presentedHash, codeFlow: read.codeFlow,
                                        request: request, context: context)
        case "refresh_token":
            return try await refresh(form, client: client, presentedHash: presentedHash, token: read.refreshToken,
                                     request: request, context: context)
        default:
            throw OAuthError(.unsupportedGrantType, "grant_type '\(grantType)' is not supported")
        }
    }

    private func redeemCode(
        _ form: RequestParameters, client: RegisteredClient, codeHash: SecretHash?, codeFlow: ClientRead.CodeFlow?,
        request: Request, context: VellumRequestContext
    ) async throws -> Response {
        guard let codeHash else { throw OAuthError.invalidRequest("code is required") }
        guard let (flowStream, subjectDisabled) = codeFlow else {
            throw OAuthError.invalidGrant("the authorization code is invalid")
        }
        let flowID = StreamID.flowID(of: flowStream) ?? flowStream
        let now = server.now
        let refreshToken = client.allows(grantType: "refresh_token") ? SecretGenerator.generate() : nil
        var redemption = CodeRedemption(
            codeHash: codeHash, clientID: client.clientID, redirectURI: form.value("redirect_uri"),
            codeVerifier: form.value("code_verifier"), now: now, accessTokenID: SecretGenerator.generate(bytes: 16),
            accessTokenLifetime: server.configuration.accessTokenLifetime,
            refreshToken: refreshToken.map { refreshIssue($0) }, issueIDToken: true,
            resources: form.values("resource"), defaultAudience: server.configuration.audience)
        redemption.subjectDisabled = subjectDisabled
        return try await issue(.redeemCode(redemption), flowID: flowID, refreshToken: refreshToken, client: client,
                               request: request, context: context)
    }

    /// RFC 6749 §6: a refresh token for new tokens, rotating it.
    private func refresh(
        _ form: RequestParameters, client: RegisteredClient, presentedHash: SecretHash?, token: TokenRecord?,
        request: Request, context: VellumRequestContext
    ) async throws -> Response {
        guard let hash = presentedHash else { throw OAuthError.invalidRequest("refresh_token is required") }
        let requestedScope = try form.value("scope").map { text throws(OAuthError) in try Scope(parsing: text) }
        guard let token else {
            throw OAuthError.invalidGrant("the refresh token is invalid")
        }
        let successor = SecretGenerator.generate()
        let refresh = TokenRefresh(
            family: token.flowStream, presentedHash: hash, clientID: client.clientID, requestedScope: requestedScope,
            now: server.now, accessTokenID: SecretGenerator.generate(bytes: 16),
            accessTokenLifetime: server.configuration.accessTokenLifetime, successor: refreshIssue(successor),
            reuseGrace: server.configuration.refreshReuseGrace, issueIDToken: true,
            resources: form.values("resource"), defaultAudience: server.configuration.audience)
        return try await issue(.refresh(refresh), flowID: token.flowID, refreshToken: successor, client: client,
                               request: request, context: context)
    }

    private func refreshIssue(_ token: String) -> RefreshIssue {
        RefreshIssue(hash: SecretHash(of: token), idleLifetime: server.configuration.refreshTokenIdleLifetime,
                     absoluteLifetime: server.configuration.refreshTokenLifetime)
    }

    /// Decides `command` on the flow and answers with the tokens it issued, or the error it recorded.
    private func issue(
        _ command: FlowCommand, flowID: String, refreshToken: String?, client: RegisteredClient,
        request: Request, context: VellumRequestContext
    ) async throws -> Response {
        let metadata = request.metadata(context: context, instance: server.configuration.instanceID, actor: .client(client.clientID))
        let (decision, state) = try await server.execute([command], on: flowID, metadata: metadata)
        switch decision {
        case .refuse(let error), .reject(_, let error):
            throw error
        case .accept(let events):
            guard let issued = events.lazy.compactMap({ event -> TokensIssued? in
                if case .tokensIssued(let tokens) = event { tokens } else { nil }
            }).first else { throw OAuthError(.serverError, "no token was issued") }
            if case .refresh = command { ServerMetrics.tokensIssued(grant: "refresh_token") } else {
                ServerMetrics.tokensIssued(grant: "authorization_code")
            }
            return Responses.json(try await TokenIssuer(server: server).response(for: issued, state: state, refreshToken: refreshToken))
        }
    }
}

