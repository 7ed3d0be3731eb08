/// Any event of a flow stream, decoded.
public enum FlowEvent: Sendable, Equatable {
    case requested(AuthorizationRequested)
    case authenticated(UserAuthenticated)
    case authenticationFailed(AuthenticationFailed)
    case consentGranted(ConsentGranted)
    case consentDenied(ConsentDenied)
    case codeIssued(AuthorizationCodeIssued)
    case codeRedeemed(AuthorizationCodeRedeemed)
    case codeRejected(CodeRedemptionRejected)
    case tokensIssued(TokensIssued)
    case tokensRevoked(TokensRevoked)
    case refreshRotated(RefreshTokenRotated)
    case refreshRejected(RefreshTokenRejected)
    case refreshReuseDetected(RefreshTokenReuseDetected)

    /// Decodes a stored event; nil for a type that is not a flow event.
    public init?(type: String, payload: String) throws {
        switch type {
        case AuthorizationRequested.type: self = .requested(try EventJSON.decode(AuthorizationRequested.self, from: payload))
        case UserAuthenticated.type: self = .authenticated(try EventJSON.decode(UserAuthenticated.self, from: payload))
        case AuthenticationFailed.type: self = .authenticationFailed(try EventJSON.decode(AuthenticationFailed.self, from: payload))
        case ConsentGranted.type: self = .consentGranted(try EventJSON.decode(ConsentGranted.self, from: payload))
        case ConsentDenied.type: self = .consentDenied(try EventJSON.decode(ConsentDenied.self, from: payload))
        case AuthorizationCodeIssued.type: self = .codeIssued(try EventJSON.decode(AuthorizationCodeIssued.self, from: payload))
        case AuthorizationCodeRedeemed.type: self = .codeRedeemed(try EventJSON.decode(AuthorizationCodeRedeemed.self, from: payload))
        case CodeRedemptionRejected.type: self = .codeRejected(try EventJSON.decode(CodeRedemptionRejected.self, from: payload))
        case TokensIssued.type: self = .tokensIssued(try EventJSON.decode(TokensIssued.self, from: payload))
        case TokensRevoked.type: self = .tokensRevoked(try EventJSON.decode(TokensRevoked.self, from: payload))
        case RefreshTokenRotated.type: self = .refreshRotated(try EventJSON.decode(RefreshTokenRotated.self, from: payload))
        case RefreshTokenRejected.type: self = .refreshRejected(try EventJSON.decode(RefreshTokenRejected.self, from: payload))
        case RefreshTokenReuseDetected.type:
            self = .refreshReuseDetected(try EventJSON.decode(RefreshTokenReuseDetected.self, from: payload))
        default: return nil
        }
    }

    /// The payload, for appending.
    public var event: any Event {
        switch self {
        case .requested(let event): event
        case .authenticated(let event): event
        case .authenticationFailed(let event): event
        case .consentGranted(let event): event
        case .consentDenied(let event): event
        case .codeIssued(let event): event
        case .codeRedeemed(let event): event
        case .codeRejected(let event): event
        case .tokensIssued(let event): event
        case .tokensRevoked(let event): event
        case .refreshRotated(let event): event
        case .refreshRejected(let event): event
        case .refreshReuseDetected(let event): event
        }
    }
}
