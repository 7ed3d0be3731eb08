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

    /// A refresh token issued in the flow; the flow is its family.
    public struct RefreshToken: Sendable, Equatable {
        public enum Status: String, Sendable, Equatable {
            case active, rotated, revoked
        }

        public let hash: SecretHash
        public let issuedAt: Timestamp
        public let expiresAt: Timestamp
        public let familyExpiresAt: Timestamp
        public var status: Status
        /// When it was exchanged for its successor.
        public var rotatedAt: Timestamp?
        /// The token it was exchanged for.
        public var successor: SecretHash?
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
    /// The code was presented with a wrong `code_verifier`: whoever holds it lacks the verifier,
    /// so it is never redeemed (issue 12; docs/token-lifecycle.md).
    public private(set) var codeInvalidated = false
    public private(set) var accessTokens: [AccessToken] = []
    public private(set) var refreshTokens: [RefreshToken] = []
    /// The refresh token the last `RefreshTokenRotated` retired, until `TokensIssued` names its successor.
    private var rotating: SecretHash?

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
        case .codeRejected(let rejected):
            if rejected.reason == .verifierMismatch { codeInvalidated = true }
        case .tokensIssued(let issued):
            accessTokens.append(AccessToken(id: issued.accessTokenID, expiresAt: issued.accessTokenExpiresAt,
                                            scope: issued.scope, revoked: false))
            if let refresh = issued.refreshToken {
                refreshTokens.append(RefreshToken(
                    hash: refresh.hash, issuedAt: issued.issuedAt, expiresAt: refresh.expiresAt,
                    familyExpiresAt: refresh.familyExpiresAt, status: .active))
                if let previous = rotating, let index = refreshTokens.firstIndex(where: { $0.hash == previous }) {
                    refreshTokens[index].successor = refresh.hash
                }
            }
            rotating = nil
        case .tokensRevoked(let revoked):
            let ids = Set(revoked.accessTokenIDs)
            for index in accessTokens.indices where ids.contains(accessTokens[index].id) {
                accessTokens[index].revoked = true
            }
            let hashes = Set(revoked.refreshTokenHashes)
            for index in refreshTokens.indices where hashes.contains(refreshTokens[index].hash) {
                refreshTokens[index].status = .revoked
            }
        case .refreshRotated(let rotated):
            if let index = refreshTokens.firstIndex(where: { $0.hash == rotated.previousHash }) {
                refreshTokens[index].status = .rotated
                refreshTokens[index].rotatedAt = rotated.rotatedAt
            }
            rotating = rotated.previousHash
        case .refreshRejected, .refreshReuseDetected:
            break
        }
    }

    /// Whether the flow has passed its `expires_at` (flows recorded before flows expired never do).
    public func isExpired(at now: Timestamp) -> Bool {
        request?.expiresAt.map { now >= $0 } ?? false
    }

    /// The refresh tokens neither rotated nor revoked.
    public var liveRefreshTokenHashes: [SecretHash] { refreshTokens.filter { $0.status == .active }.map(\.hash) }

    /// The access tokens not yet revoked (expired ones included: revoking them is harmless and
    /// makes the record say so).
    public var liveAccessTokenIDs: [String] { accessTokens.filter { !$0.revoked }.map(\.id) }
}
