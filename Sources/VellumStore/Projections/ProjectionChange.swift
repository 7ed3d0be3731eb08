import VellumCore

/// One change to a projection table, derived from one event.
enum ProjectionChange: Sendable, Equatable {
    case registerClient(ClientRegistered, at: Timestamp)
    case createUser(UserCreated, at: Timestamp)
    case startSession(SessionStarted, at: Timestamp)
    case endSession(sessionID: String, at: Timestamp)
    case issueCode(AuthorizationCodeIssued, flowID: String, at: Timestamp)
    case redeemCode(codeHash: SecretHash, at: Timestamp)
    case issueAccessToken(TokensIssued, flowID: String, at: Timestamp)
    case revokeAccessTokens(ids: [String], at: Timestamp)
    case grantConsent(ConsentGranted, at: Timestamp)
    case createSigningKey(SigningKeyCreated, at: Timestamp)
    case activateSigningKey(kid: String, at: Timestamp)

    /// Changes of the same kind that follow each other are written with one statement.
    var kind: Int {
        switch self {
        case .registerClient: 0
        case .createUser: 1
        case .startSession: 2
        case .endSession: 3
        case .issueCode: 4
        case .redeemCode: 5
        case .issueAccessToken: 6
        case .revokeAccessTokens: 7
        case .grantConsent: 8
        case .createSigningKey: 9
        case .activateSigningKey: 10
        }
    }
}

/// What each event changes in the projections: a pure function of the event alone, so the live
/// path and the rebuild compute the same rows.
enum Projector {
    static func changes(for event: RecordedEvent) throws -> [ProjectionChange] {
        let at = event.recordedAt
        let payload = event.payload
        switch event.type {
        case ClientRegistered.type:
            return [.registerClient(try EventJSON.decode(ClientRegistered.self, from: payload), at: at)]
        case UserCreated.type:
            return [.createUser(try EventJSON.decode(UserCreated.self, from: payload), at: at)]
        case SessionStarted.type:
            return [.startSession(try EventJSON.decode(SessionStarted.self, from: payload), at: at)]
        case SessionEnded.type:
            return [.endSession(sessionID: try EventJSON.decode(SessionEnded.self, from: payload).sessionID, at: at)]
        case AuthorizationCodeIssued.type:
            return [.issueCode(try EventJSON.decode(AuthorizationCodeIssued.self, from: payload), flowID: event.streamID, at: at)]
        case AuthorizationCodeRedeemed.type:
            return [.redeemCode(codeHash: try EventJSON.decode(AuthorizationCodeRedeemed.self, from: payload).codeHash, at: at)]
        case TokensIssued.type:
            return [.issueAccessToken(try EventJSON.decode(TokensIssued.self, from: payload), flowID: event.streamID, at: at)]
        case TokensRevoked.type:
            return [.revokeAccessTokens(ids: try EventJSON.decode(TokensRevoked.self, from: payload).accessTokenIDs, at: at)]
        case ConsentGranted.type:
            return [.grantConsent(try EventJSON.decode(ConsentGranted.self, from: payload), at: at)]
        case SigningKeyCreated.type:
            return [.createSigningKey(try EventJSON.decode(SigningKeyCreated.self, from: payload), at: at)]
        case SigningKeyActivated.type:
            return [.activateSigningKey(kid: try EventJSON.decode(SigningKeyActivated.self, from: payload).kid, at: at)]
        default:
            return []
        }
    }
}
