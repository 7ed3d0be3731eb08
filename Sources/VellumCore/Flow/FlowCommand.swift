/// What the server asks of a flow. Secrets arrive already generated and hashed; times arrive as
/// values: the decision itself reads no clock and draws no randomness.
public enum FlowCommand: Sendable, Equatable {
    /// Start the flow with a validated authorization request.
    case request(AuthorizationRequested)
    /// Record that the user authenticated.
    case authenticate(UserAuthenticated)
    /// Record a failed login.
    case failAuthentication(AuthenticationFailed)
    /// The user allowed (or a remembered consent allows) the requested scope.
    case grantConsent(remembered: Bool)
    /// The user refused.
    case denyConsent
    /// Issue the authorization code whose hash is given, valid for `lifetime` seconds from `now`.
    case issueCode(codeHash: SecretHash, now: Timestamp, lifetime: Int64)
    /// Exchange the code at the token endpoint.
    case redeemCode(CodeRedemption)
}

/// A token request for the `authorization_code` grant, from an authenticated client.
public struct CodeRedemption: Sendable, Equatable {
    public var codeHash: SecretHash
    /// The client that authenticated at the token endpoint.
    public var clientID: String
    /// The `redirect_uri` parameter of the token request, if sent.
    public var redirectURI: String?
    /// The PKCE `code_verifier`, if sent.
    public var codeVerifier: String?
    public var now: Timestamp
    /// The `jti` of the access token to issue.
    public var accessTokenID: String
    /// The access token's lifetime in seconds.
    public var accessTokenLifetime: Int64

    public init(codeHash: SecretHash, clientID: String, redirectURI: String?, codeVerifier: String?, now: Timestamp,
                accessTokenID: String, accessTokenLifetime: Int64) {
        self.codeHash = codeHash
        self.clientID = clientID
        self.redirectURI = redirectURI
        self.codeVerifier = codeVerifier
        self.now = now
        self.accessTokenID = accessTokenID
        self.accessTokenLifetime = accessTokenLifetime
    }
}

/// What a flow decided.
public enum FlowDecision: Sendable, Equatable {
    /// Append these events; the command succeeded.
    case accept([FlowEvent])
    /// Append these events (the record of the refusal), then answer with the error.
    case reject([FlowEvent], OAuthError)
    /// Answer with the error; nothing to record.
    case refuse(OAuthError)

    /// The events to append.
    public var events: [FlowEvent] {
        switch self {
        case .accept(let events), .reject(let events, _): events
        case .refuse: []
        }
    }
}
