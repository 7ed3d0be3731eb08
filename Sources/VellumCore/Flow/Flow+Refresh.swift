extension Flow {
    /// RFC 6749 §6 with rotation and reuse detection (RFC 9700 §4.14.2): a refresh token is used
    /// once; its successor carries the family on; a rotated token presented again revokes the
    /// whole family, unless it comes back within the grace window from a client that never used
    /// the successor (a retry after a lost response), which rotates it once more.
    static func refresh(_ state: FlowState, _ refresh: TokenRefresh) -> FlowDecision {
        guard let consent = state.consent, let user = state.authentication, let request = state.request,
              let token = state.refreshTokens.first(where: { $0.hash == refresh.presentedHash }) else {
            return .refuse(.invalidGrant("the refresh token is invalid"))
        }
        func rejected(_ reason: String, _ error: OAuthError) -> FlowDecision {
            .reject([.refreshRejected(RefreshTokenRejected(presentedHash: token.hash, clientID: refresh.clientID, reason: reason))], error)
        }
        guard request.clientID == refresh.clientID else {
            return rejected("wrong_client", .invalidGrant("the refresh token was issued to another client"))
        }

        var retry = false
        var supersededSuccessor: SecretHash?
        switch token.status {
        case .revoked:
            return rejected("revoked", .invalidGrant("the refresh token has been revoked"))
        case .rotated:
            let successor = token.successor.flatMap { hash in state.refreshTokens.first { $0.hash == hash } }
            let withinGrace = refresh.reuseGrace > 0 && token.rotatedAt.map { refresh.now < $0.adding(seconds: refresh.reuseGrace) } == true
            guard withinGrace, let successor, successor.status == .active else {
                return .reject([
                    .refreshReuseDetected(RefreshTokenReuseDetected(
                        presentedHash: token.hash, clientID: refresh.clientID, family: refresh.family)),
                    .tokensRevoked(TokensRevoked(
                        accessTokenIDs: state.liveAccessTokenIDs, refreshTokenHashes: state.liveRefreshTokenHashes,
                        reason: "refresh_reuse")),
                ], .invalidGrant("the refresh token has already been used; every token of its grant is revoked"))
            }
            retry = true
            supersededSuccessor = successor.hash
        case .active:
            break
        }
        guard refresh.now < token.expiresAt else {
            return rejected("expired", .invalidGrant("the refresh token has expired"))
        }
        // Omitted scope means the scope originally granted (RFC 6749 §6).
        let scope = refresh.requestedScope ?? consent.scope
        guard scope.isSubset(of: consent.scope) else {
            return rejected("invalid_scope", .invalidScope("the refreshed scope may only narrow the granted scope"))
        }

        let audience: [String]
        do {
            audience = try ResourceIndicator.audience(requested: refresh.resources, authorized: request.resources,
                                                      defaultAudience: refresh.defaultAudience)
        } catch { return rejected("invalid_target", error) }

        var events: [FlowEvent] = []
        if let supersededSuccessor {
            events.append(.tokensRevoked(TokensRevoked(accessTokenIDs: [], refreshTokenHashes: [supersededSuccessor],
                                                       reason: "superseded_by_retry")))
        }
        events.append(.refreshRotated(RefreshTokenRotated(
            previousHash: token.hash, clientID: refresh.clientID, retry: retry, rotatedAt: refresh.now)))
        events.append(.tokensIssued(TokensIssued(
            accessTokenID: refresh.accessTokenID, accessTokenExpiresAt: refresh.now.adding(seconds: refresh.accessTokenLifetime),
            clientID: request.clientID, subject: user.userID, scope: scope, grantType: "refresh_token", issuedAt: refresh.now,
            refreshToken: IssuedRefreshToken(
                hash: refresh.successor.hash,
                expiresAt: min(refresh.now.adding(seconds: refresh.successor.idleLifetime), token.familyExpiresAt),
                familyExpiresAt: token.familyExpiresAt),
            idTokenIssued: refresh.issueIDToken && scope.contains("openid"), audience: audience)))
        return .accept(events)
    }
}
