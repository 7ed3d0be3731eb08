/// What a flow's events add up to; built by ``evolve(_:)`` alone, so the live decision, the
/// projections and the auditor's replay agree on what the events mean.
public struct FlowState: Sendable, Equatable {
    /// An access token issued in the flow.
    public struct AccessToken: Sendable, Equatable {
        public let id: String
        public let expiresAt: Timestamp
        public let scope: Scope
        public var revoked: Bool
    }

    /// The stream version this state reflects (0: no events).
    public private(set) var version: Int64 = 0
    public private(set) var request: AuthorizationRequested?
    public private(set) var authentication: UserAuthenticated?
    public private(set) var failedLogins: Int = 0
    public private(set) var consent: ConsentGranted?
    public private(set) var denied = false
    public private(set) var code: AuthorizationCodeIssued?
    public private(set) var codeRedeemed = false
    public private(set) var accessTokens: [AccessToken] = []

    /// An empty flow.
    public init() {}

    /// The state of a flow after `events`, in order.
    public init(events: some Sequence<FlowEvent>) {
        for event in events { evolve(event) }
    }

    /// Applies one event.
    public mutating func evolve(_ event: FlowEvent) {
        version += 1
        switch event {
        case .requested(let requested):
            request = requested
        case .authenticated(let authenticated):
            authentication = authenticated
        case .authenticationFailed:
            failedLogins += 1
        case .consentGranted(let granted):
            consent = granted
        case .consentDenied:
            denied = true
        case .codeIssued(let issued):
            code = issued
        case .codeRedeemed:
            codeRedeemed = true
        case .codeRejected:
            break
        case .tokensIssued(let issued):
            accessTokens.append(AccessToken(id: issued.accessTokenID, expiresAt: issued.accessTokenExpiresAt,
                                            scope: issued.scope, revoked: false))
        case .tokensRevoked(let revoked):
            let ids = Set(revoked.accessTokenIDs)
            for index in accessTokens.indices where ids.contains(accessTokens[index].id) {
                accessTokens[index].revoked = true
            }
        }
    }

    /// The access tokens not yet revoked (expired ones included: revoking them is harmless and
    /// makes the record say so).
    public var liveAccessTokenIDs: [String] { accessTokens.filter { !$0.revoked }.map(\.id) }
}
