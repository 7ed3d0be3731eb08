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
    case issueRefreshToken(TokensIssued, flowID: String, at: Timestamp)
    case rotateRefreshToken(hash: SecretHash, at: Timestamp)
    case revokeRefreshTokens(hashes: [SecretHash], at: Timestamp)
    case rememberConsent(ConsentRemembered, at: Timestamp)
    case forgetConsent(userID: String, clientID: String)
    case createSigningKey(SigningKeyCreated, at: Timestamp)
    case activateSigningKey(kid: String, at: Timestamp)
    case retireSigningKey(kid: String, at: Timestamp)
    /// A directory change that must stay in event order with others of its stream (phase 3).
    case directory(DirectoryChange)

    /// When in a batch the change is written: 0 definitions (clients, users, keys), 1 inserts,
    /// 2 first-time stamps, 3 remembered consents and directory changes (kept in event order:
    /// remembering and forgetting the same consent, or disabling and enabling a user, must not swap).
    var phase: Int {
        switch self {
        case .registerClient, .createUser, .createSigningKey: 0
        case .startSession, .issueCode, .issueAccessToken, .issueRefreshToken: 1
        case .endSession, .redeemCode, .revokeAccessTokens, .rotateRefreshToken, .revokeRefreshTokens,
             .activateSigningKey, .retireSigningKey: 2
        case .rememberConsent, .forgetConsent, .directory: 3
        }
    }

    /// Changes of the same kind that follow each other are written with one statement.
    /// (Within phase 3 the kind does not order: see ``phase``.)
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
        case .issueRefreshToken: 8
        case .rotateRefreshToken: 9
        case .revokeRefreshTokens: 10
        case .rememberConsent, .forgetConsent, .directory: 11
        case .createSigningKey: 13
        case .activateSigningKey: 14
        case .retireSigningKey: 15
        }
    }
}

/// A change to a user or client row after its creation.
enum DirectoryChange: Sendable, Equatable {
    case setCredential(userID: String, credentialID: String)
    case setUserDisabled(userID: String, Bool)
    case setClientSecret(clientID: String, SecretHash)
    case setClientDisabled(clientID: String, Bool)
    /// A failed login: one more failure for each key (account, address) within the throttle's window.
    case loginFailed(keys: [String], at: Timestamp)
    /// A password login: the account's run of failures ends.
    case loginSucceeded(key: String)
}

/// What each event changes in the projections: a pure function of the event alone, so the live
/// path and the rebuild compute the same rows.
enum Projector {
    static func changes(for event: RecordedEvent) throws -> [ProjectionChange] {
        let at = event.recordedAt
        switch event.type {
        case ClientRegistered.type:
            return [.registerClient(try event.decode(ClientRegistered.self), at: at)]
        case UserCreated.type:
            return [.createUser(try event.decode(UserCreated.self), at: at)]
        case PasswordChanged.type:
            let changed = try event.decode(PasswordChanged.self)
            return [.directory(.setCredential(userID: changed.userID, credentialID: changed.credentialID))]
        case UserDisabled.type:
            return [.directory(.setUserDisabled(userID: try event.decode(UserDisabled.self).userID, true))]
        case UserEnabled.type:
            return [.directory(.setUserDisabled(userID: try event.decode(UserEnabled.self).userID, false))]
        case ClientSecretRotated.type:
            let rotated = try event.decode(ClientSecretRotated.self)
            return [.directory(.setClientSecret(clientID: rotated.clientID, rotated.secretHash))]
        case AuthenticationFailed.type:
            let failed = try event.decode(AuthenticationFailed.self)
            guard failed.reason != AuthenticationFailed.throttled else { return [] }
            let address = (try? EventJSON.decodeValue(EventMetadata.self, from: event.metadata))?.remoteIP
            return [.directory(.loginFailed(
                keys: [LoginThrottle.accountKey(failed.username)] + (address.map { [LoginThrottle.addressKey($0)] } ?? []), at: at))]
        case UserAuthenticated.type:
            let authenticated = try event.decode(UserAuthenticated.self)
            guard authenticated.method == "password" else { return [] }
            return [.directory(.loginSucceeded(key: LoginThrottle.accountKey(authenticated.username)))]
        case ClientDisabled.type:
            return [.directory(.setClientDisabled(clientID: try event.decode(ClientDisabled.self).clientID, true))]
        case ClientEnabled.type:
            return [.directory(.setClientDisabled(clientID: try event.decode(ClientEnabled.self).clientID, false))]
        case SessionStarted.type:
            return [.startSession(try event.decode(SessionStarted.self), at: at)]
        case SessionEnded.type:
            return [.endSession(sessionID: try event.decode(SessionEnded.self).sessionID, at: at)]
        case AuthorizationCodeIssued.type:
            return [.issueCode(try event.decode(AuthorizationCodeIssued.self), flowID: event.streamID, at: at)]
        case AuthorizationCodeRedeemed.type:
            return [.redeemCode(codeHash: try event.decode(AuthorizationCodeRedeemed.self).codeHash, at: at)]
        case TokensIssued.type:
            let issued = try event.decode(TokensIssued.self)
            return [.issueAccessToken(issued, flowID: event.streamID, at: at)]
                + (issued.refreshToken == nil ? [] : [.issueRefreshToken(issued, flowID: event.streamID, at: at)])
        case TokensRevoked.type:
            let revoked = try event.decode(TokensRevoked.self)
            return (revoked.accessTokenIDs.isEmpty ? [] : [.revokeAccessTokens(ids: revoked.accessTokenIDs, at: at)])
                + (revoked.refreshTokenHashes.isEmpty ? [] : [.revokeRefreshTokens(hashes: revoked.refreshTokenHashes, at: at)])
        case RefreshTokenRotated.type:
            return [.rotateRefreshToken(hash: try event.decode(RefreshTokenRotated.self).previousHash, at: at)]
        case ConsentRemembered.type:
            return [.rememberConsent(try event.decode(ConsentRemembered.self), at: at)]
        case ConsentRevoked.type:
            let revoked = try event.decode(ConsentRevoked.self)
            return [.forgetConsent(userID: revoked.userID, clientID: revoked.clientID)]
        case SigningKeyRetired.type:
            return [.retireSigningKey(kid: try event.decode(SigningKeyRetired.self).kid, at: at)]
        case SigningKeyCreated.type:
            return [.createSigningKey(try event.decode(SigningKeyCreated.self), at: at)]
        case SigningKeyActivated.type:
            return [.activateSigningKey(kid: try event.decode(SigningKeyActivated.self).kid, at: at)]
        default:
            return []
        }
    }
}
