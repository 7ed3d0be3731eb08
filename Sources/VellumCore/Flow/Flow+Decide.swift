/// The flow aggregate's rules: what each command does in each state.
public enum Flow {
    /// After this many failed logins a flow takes no more: the user starts a new authorization.
    public static let maximumFailedLogins = 5

    /// Decides `commands` in order, each against the state the previous ones leave; stops at the
    /// first that is not accepted.
    public static func decide(_ state: FlowState, _ commands: [FlowCommand]) -> FlowDecision {
        var state = state
        var events: [FlowEvent] = []
        for command in commands {
            switch decide(state, command) {
            case .accept(let accepted):
                accepted.forEach { state.evolve($0) }
                events += accepted
            case .reject(let rejected, let error):
                return .reject(events + rejected, error)
            case .refuse(let error):
                return events.isEmpty ? .refuse(error) : .reject(events, error)
            }
        }
        return .accept(events)
    }

    /// The refusal of a step on a flow past its `expires_at`.
    static let expired = OAuthError.invalidRequest("this authorization request has expired; start again from the application")

    /// Decides `command` against `state`.
    public static func decide(_ state: FlowState, _ command: FlowCommand) -> FlowDecision {
        switch command {
        case .request(let request):
            guard state.version == 0 else { return .refuse(.invalidRequest("the flow has already started")) }
            return .accept([.requested(request)])

        case .authenticate(let authenticated, let now):
            // One login per flow: two racing logins cannot both succeed, and a flow that has
            // consent or a refusal takes no more.
            guard state.request != nil, state.authentication == nil, state.consent == nil, !state.denied,
                  state.failedLogins < maximumFailedLogins else {
                return .refuse(.invalidRequest("this authorization request no longer accepts a login"))
            }
            if state.isExpired(at: now) { return .refuse(expired) }
            return .accept([.authenticated(authenticated)])

        case .failAuthentication(let failed, let now):
            guard state.request != nil, state.authentication == nil, state.failedLogins < maximumFailedLogins else {
                return .refuse(.invalidRequest("this authorization request no longer accepts a login"))
            }
            if state.isExpired(at: now) { return .refuse(expired) }
            return .accept([.authenticationFailed(failed)])

        case .grantConsent(let remembered, let now):
            guard let request = state.request, let user = state.authentication, state.consent == nil, !state.denied else {
                return .refuse(.invalidRequest("this authorization request is not waiting for consent"))
            }
            if state.isExpired(at: now) { return .refuse(expired) }
            return .accept([.consentGranted(ConsentGranted(
                userID: user.userID, clientID: request.clientID, scope: request.scope, remembered: remembered))])

        case .denyConsent(let now):
            guard let request = state.request, let user = state.authentication, state.consent == nil, !state.denied else {
                return .refuse(.invalidRequest("this authorization request is not waiting for consent"))
            }
            if state.isExpired(at: now) { return .refuse(expired) }
            return .accept([.consentDenied(ConsentDenied(userID: user.userID, clientID: request.clientID, scope: request.scope))])

        case .issueCode(let codeHash, let now, let lifetime):
            guard let request = state.request, state.consent != nil, state.code == nil else {
                return .refuse(.invalidRequest("no code can be issued in this state"))
            }
            return .accept([.codeIssued(AuthorizationCodeIssued(
                codeHash: codeHash, clientID: request.clientID, expiresAt: now.adding(seconds: lifetime),
                subject: state.authentication?.userID))])

        case .redeemCode(let redemption):
            return redeem(state, redemption)

        case .refresh(let refresh):
            return Self.refresh(state, refresh)

        case .revokeAccessToken(let id, let reason):
            guard state.liveAccessTokenIDs.contains(id) else { return .accept([]) }
            return .accept([.tokensRevoked(TokensRevoked(accessTokenIDs: [id], reason: reason))])

        case .revokeAll(let reason):
            let access = state.liveAccessTokenIDs
            let refresh = state.liveRefreshTokenHashes
            guard !access.isEmpty || !refresh.isEmpty else { return .accept([]) }
            return .accept([.tokensRevoked(TokensRevoked(accessTokenIDs: access, refreshTokenHashes: refresh, reason: reason))])
        }
    }

    /// RFC 6749 §4.1.3, RFC 7636 §4.6, RFC 9700 §2.1.1 and §4.2.4, checked in this order: a code
    /// seen before revokes what it produced; a code once presented with a wrong verifier is dead
    /// (it is in the hands of someone without the verifier: a stolen code); then the client,
    /// expiry, redirect URI and verifier.
    private static func redeem(_ state: FlowState, _ redemption: CodeRedemption) -> FlowDecision {
        guard let request = state.request, let user = state.authentication, let code = state.code,
              let consent = state.consent, code.codeHash == redemption.codeHash else {
            return .refuse(.invalidGrant("the authorization code is invalid"))
        }
        func rejected(_ reason: CodeRejection, _ description: String, revoking: [String] = [],
                      revokingRefresh: [SecretHash] = []) -> FlowDecision {
            var events: [FlowEvent] = [.codeRejected(CodeRedemptionRejected(
                codeHash: redemption.codeHash, clientID: redemption.clientID, reason: reason))]
            if !revoking.isEmpty || !revokingRefresh.isEmpty {
                events.append(.tokensRevoked(TokensRevoked(accessTokenIDs: revoking, refreshTokenHashes: revokingRefresh, reason: "code_reuse")))
            }
            return .reject(events, .invalidGrant(description))
        }

        if state.codeRedeemed {
            // RFC 6749 §4.1.2, RFC 9700 §4.2.4: everything issued from the code, refresh tokens included.
            return rejected(.alreadyRedeemed, "the authorization code has already been used",
                            revoking: state.liveAccessTokenIDs, revokingRefresh: state.liveRefreshTokenHashes)
        }
        if state.codeInvalidated {
            return rejected(.invalidated, "the authorization code was invalidated: it was presented with a wrong code_verifier")
        }
        if request.clientID != redemption.clientID {
            return rejected(.wrongClient, "the authorization code was issued to another client")
        }
        if redemption.now >= code.expiresAt {
            return rejected(.expired, "the authorization code has expired")
        }
        if redemption.subjectDisabled {
            return rejected(.userDisabled, "the user has been disabled")
        }
        if request.redirectURIIncluded || redemption.redirectURI != nil, redemption.redirectURI != request.redirectURI {
            return rejected(.redirectURIMismatch, "redirect_uri does not match the authorization request")
        }
        switch (request.codeChallenge, redemption.codeVerifier) {
        case (let challenge?, let verifier?):
            if !PKCE.verify(verifier: verifier, challenge: challenge) {
                return rejected(.verifierMismatch, "code_verifier does not match the code_challenge")
            }
        case (.some, nil):
            return rejected(.missingVerifier, "code_verifier is required: the authorization request used PKCE")
        case (nil, .some):
            return rejected(.unexpectedVerifier, "code_verifier was sent but the authorization request had no code_challenge")
        case (nil, nil):
            break
        }
        let audience: [String]
        do {
            audience = try ResourceIndicator.audience(requested: redemption.resources, authorized: request.resources,
                                                      defaultAudience: redemption.defaultAudience)
        } catch { return .refuse(error) }
        let refresh = redemption.refreshToken.map { issue in
            let familyExpiresAt = redemption.now.adding(seconds: issue.absoluteLifetime)
            return IssuedRefreshToken(hash: issue.hash, expiresAt: min(redemption.now.adding(seconds: issue.idleLifetime), familyExpiresAt),
                                      familyExpiresAt: familyExpiresAt)
        }
        return .accept([
            .codeRedeemed(AuthorizationCodeRedeemed(codeHash: redemption.codeHash, clientID: redemption.clientID)),
            .tokensIssued(TokensIssued(
                accessTokenID: redemption.accessTokenID,
                accessTokenExpiresAt: redemption.now.adding(seconds: redemption.accessTokenLifetime),
                clientID: request.clientID, subject: user.userID, scope: consent.scope, grantType: "authorization_code",
                issuedAt: redemption.now, refreshToken: refresh, idTokenIssued: redemption.issueIDToken && consent.scope.contains("openid"),
                audience: audience)),
        ])
    }
}
