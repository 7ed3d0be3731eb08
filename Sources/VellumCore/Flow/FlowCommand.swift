/// What the server asks of a flow. Secrets arrive already generated and hashed; times arrive as
/// values: the decision itself reads no clock and draws no randomness.
public enum FlowCommand: Sendable, Equatable {
    /// Start the flow with a validated authorization request.
    case request(AuthorizationRequested)
    /// Record that the user authenticated, at `now`: only once per flow, and only before it expires.
    case authenticate(UserAuthenticated, now: Timestamp)
    /// Record a failed login.
    case failAuthentication(AuthenticationFailed, now: Timestamp)
    /// The user allowed (or a remembered consent allows) the requested scope.
    case grantConsent(remembered: Bool, now: Timestamp)
    /// The user refused.
    case denyConsent(now: Timestamp)
    /// Issue the authorization code whose hash is given, valid for `lifetime` seconds from `now`.
    case issueCode(codeHash: SecretHash, now: Timestamp, lifetime: Int64)
    /// Exchange the code at the token endpoint.
    case redeemCode(CodeRedemption)
    /// Exchange a refresh token for new tokens (RFC 6749 §6), rotating it.
    case refresh(TokenRefresh)
    /// Revoke one access token (RFC 7009).
    case revokeAccessToken(id: String, reason: String)
    /// Revoke every live token of the flow: its refresh token family and its access tokens.
    case revokeAll(reason: String)
}

/// The refresh token to issue with new tokens, and its limits.
public struct RefreshIssue: Sendable, Equatable {
    /// The new refresh token's hash.
    public var hash: SecretHash
    /// Seconds a refresh token may go unused before it expires.
    public var idleLifetime: Int64
    /// Seconds from the family's first token after which no token of it lives.
    public var absoluteLifetime: Int64

    public init(hash: SecretHash, idleLifetime: Int64, absoluteLifetime: Int64) {
        self.hash = hash
        self.idleLifetime = idleLifetime
        self.absoluteLifetime = absoluteLifetime
    }
}

/// A token request for the `refresh_token` grant, from an authenticated client.
public struct TokenRefresh: Sendable, Equatable {
    /// The family the token belongs to: its flow's stream id, named when reuse is detected.
    public var family: String
    public var presentedHash: SecretHash
    public var clientID: String
    /// The narrower scope asked for, if any (RFC 6749 §6).
    public var requestedScope: Scope?
    public var now: Timestamp
    public var accessTokenID: String
    public var accessTokenLifetime: Int64
    /// The successor refresh token.
    public var successor: RefreshIssue
    /// Seconds after a rotation during which presenting the rotated token again is taken as a retry
    /// after a lost response rather than as theft (0: never).
    public var reuseGrace: Int64
    /// Whether to issue an ID token too.
    public var issueIDToken: Bool
    /// The RFC 8707 `resource` parameters of the token request.
    public var resources: [String]
    /// The access token's audience when no resource was asked for.
    public var defaultAudience: [String]

    public init(family: String, presentedHash: SecretHash, clientID: String, requestedScope: Scope?, now: Timestamp,
                accessTokenID: String, accessTokenLifetime: Int64, successor: RefreshIssue, reuseGrace: Int64, issueIDToken: Bool,
                resources: [String] = [], defaultAudience: [String] = []) {
        self.resources = resources
        self.defaultAudience = defaultAudience
        self.family = family
        self.presentedHash = presentedHash
        self.clientID = clientID
        self.requestedScope = requestedScope
        self.now = now
        self.accessTokenID = accessTokenID
        self.accessTokenLifetime = accessTokenLifetime
        self.successor = successor
        self.reuseGrace = reuseGrace
        self.issueIDToken = issueIDToken
    }
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
    /// The refresh token to issue, when the client may refresh.
    public var refreshToken: RefreshIssue?
    /// Whether to issue an ID token (the scope has `openid`).
    public var issueIDToken: Bool
    /// The RFC 8707 `resource` parameters of the token request.
    public var resources: [String]
    /// The access token's audience when no resource was asked for (RFC 9068 §3).
    public var defaultAudience: [String]
    /// Whether the user the code acts for has been disabled since it was issued.
    public var subjectDisabled = false

    public init(codeHash: SecretHash, clientID: String, redirectURI: String?, codeVerifier: String?, now: Timestamp,
                accessTokenID: String, accessTokenLifetime: Int64, refreshToken: RefreshIssue? = nil, issueIDToken: Bool = false,
                resources: [String] = [], defaultAudience: [String] = []) {
        self.resources = resources
        self.defaultAudience = defaultAudience
        self.refreshToken = refreshToken
        self.issueIDToken = issueIDToken
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
