/// The events of a `flow-<uuid>` stream: one authorization, from request to the end of its tokens.
/// Each event names the client and user it concerns, so that a flow reads whole on its own.

/// A client sent a valid authorization request (RFC 6749 §4.1.1).
public struct AuthorizationRequested: Event {
    public static let type = "AuthorizationRequested"
    public var clientID: String
    /// The redirect URI the flow answers to.
    public var redirectURI: String
    /// Whether the request named `redirect_uri` (then the token request must repeat it, RFC 6749 §4.1.3).
    public var redirectURIIncluded: Bool
    public var scope: Scope
    /// The client's `state`, echoed back on redirect (opaque to Vellum, not a credential).
    public var state: String?
    /// The PKCE challenge (a hash; RFC 7636), nil when a confidential client sent none.
    public var codeChallenge: String?
    public var codeChallengeMethod: String?
    /// The OpenID Connect `nonce`, echoed in the ID token.
    public var nonce: String?
    /// The OpenID Connect `prompt` values (`login`, `consent`, `none`); absent when not sent.
    public var prompt: [Prompt]?
    /// The OpenID Connect `max_age` in seconds: a login older than this must be repeated.
    public var maxAge: Int64?
    /// The RFC 8707 `resource` indicators: the resource servers the tokens are for.
    public var resources: [String]?
    /// When the flow stops accepting a login or a consent (`VELLUM_FLOW_TTL` after the request).
    /// Absent in flows recorded before flows expired.
    public var expiresAt: Timestamp?

    enum CodingKeys: String, CodingKey {
        case clientID = "client_id", redirectURI = "redirect_uri", redirectURIIncluded = "redirect_uri_included"
        case scope, state, codeChallenge = "code_challenge", codeChallengeMethod = "code_challenge_method", nonce
        case prompt, maxAge = "max_age", resources = "resource", expiresAt = "expires_at"
    }

    public init(clientID: String, redirectURI: String, redirectURIIncluded: Bool, scope: Scope, state: String?,
                codeChallenge: String?, codeChallengeMethod: String?, nonce: String?, prompt: [Prompt]? = nil,
                maxAge: Int64? = nil, resources: [String]? = nil, expiresAt: Timestamp? = nil) {
        self.prompt = prompt
        self.maxAge = maxAge
        self.resources = resources
        self.expiresAt = expiresAt
        self.clientID = clientID
        self.redirectURI = redirectURI
        self.redirectURIIncluded = redirectURIIncluded
        self.scope = scope
        self.state = state
        self.codeChallenge = codeChallenge
        self.codeChallengeMethod = codeChallengeMethod
        self.nonce = nonce
    }
}

/// The user proved who they are, with a password or an existing browser session.
public struct UserAuthenticated: Event {
    public static let type = "UserAuthenticated"
    public var userID: String
    public var username: String
    /// `password` or `session`.
    public var method: String
    /// The browser session (`session-<uuid>`) the flow runs in.
    public var sessionID: String
    /// When the user last entered their password (OpenID Connect `auth_time`).
    public var authTime: Timestamp

    enum CodingKeys: String, CodingKey {
        case userID = "user_id", username, method, sessionID = "session_id", authTime = "auth_time"
    }

    public init(userID: String, username: String, method: String, sessionID: String, authTime: Timestamp) {
        self.userID = userID
        self.username = username
        self.method = method
        self.sessionID = sessionID
        self.authTime = authTime
    }
}

/// A login attempt failed. The password is never recorded, not even hashed.
public struct AuthenticationFailed: Event {
    public static let type = "AuthenticationFailed"
    /// The username as typed.
    public var username: String
    /// `unknown_user`, `wrong_password`, `user_disabled`, or `throttled` (too many recent
    /// failures for the account or the address: the password was not even checked).
    public var reason: String
    /// For `throttled`: the seconds the user was told to wait.
    public var retryAfter: Int64?

    enum CodingKeys: String, CodingKey {
        case username, reason, retryAfter = "retry_after"
    }

    public init(username: String, reason: String, retryAfter: Int64? = nil) {
        self.username = username
        self.reason = reason
        self.retryAfter = retryAfter
    }

    /// The reason of a refusal by the login throttle, which does not count as a failure itself.
    public static let throttled = "throttled"
}

/// The user allowed the client the scope, on the consent page or from a remembered consent.
public struct ConsentGranted: Event {
    public static let type = "ConsentGranted"
    public var userID: String
    public var clientID: String
    public var scope: Scope
    /// Whether the consent was taken from memory rather than asked for.
    public var remembered: Bool

    enum CodingKeys: String, CodingKey {
        case userID = "user_id", clientID = "client_id", scope, remembered
    }

    public init(userID: String, clientID: String, scope: Scope, remembered: Bool) {
        self.userID = userID
        self.clientID = clientID
        self.scope = scope
        self.remembered = remembered
    }
}

/// The user refused.
public struct ConsentDenied: Event {
    public static let type = "ConsentDenied"
    public var userID: String
    public var clientID: String
    public var scope: Scope

    enum CodingKeys: String, CodingKey {
        case userID = "user_id", clientID = "client_id", scope
    }

    public init(userID: String, clientID: String, scope: Scope) {
        self.userID = userID
        self.clientID = clientID
        self.scope = scope
    }
}

/// An authorization code was issued; only its hash is kept.
public struct AuthorizationCodeIssued: Event {
    public static let type = "AuthorizationCodeIssued"
    public var codeHash: SecretHash
    public var clientID: String
    public var expiresAt: Timestamp
    /// The user the code acts for; absent in codes issued before it was recorded.
    public var subject: String?

    enum CodingKeys: String, CodingKey {
        case codeHash = "code_hash", clientID = "client_id", expiresAt = "expires_at", subject
    }

    public init(codeHash: SecretHash, clientID: String, expiresAt: Timestamp, subject: String? = nil) {
        self.codeHash = codeHash
        self.clientID = clientID
        self.expiresAt = expiresAt
        self.subject = subject
    }
}

/// The code was exchanged at the token endpoint.
public struct AuthorizationCodeRedeemed: Event {
    public static let type = "AuthorizationCodeRedeemed"
    public var codeHash: SecretHash
    public var clientID: String

    enum CodingKeys: String, CodingKey {
        case codeHash = "code_hash", clientID = "client_id"
    }

    public init(codeHash: SecretHash, clientID: String) {
        self.codeHash = codeHash
        self.clientID = clientID
    }
}

/// A code was presented and refused, with the reason.
public struct CodeRedemptionRejected: Event {
    public static let type = "CodeRedemptionRejected"
    public var codeHash: SecretHash
    /// The authenticated client that presented it.
    public var clientID: String
    public var reason: CodeRejection

    enum CodingKeys: String, CodingKey {
        case codeHash = "code_hash", clientID = "client_id", reason
    }

    public init(codeHash: SecretHash, clientID: String, reason: CodeRejection) {
        self.codeHash = codeHash
        self.clientID = clientID
        self.reason = reason
    }
}

/// Why a code was refused at the token endpoint.
public enum CodeRejection: String, Sendable, Codable, CaseIterable {
    case alreadyRedeemed = "already_redeemed"
    case expired
    case wrongClient = "wrong_client"
    case redirectURIMismatch = "redirect_uri_mismatch"
    case missingVerifier = "missing_verifier"
    case verifierMismatch = "verifier_mismatch"
    case unexpectedVerifier = "unexpected_verifier"
    /// The user was disabled after the code was issued.
    case userDisabled = "user_disabled"
    /// The code had been presented with a wrong `code_verifier` before (`verifier_mismatch`).
    case invalidated
}

/// Tokens were issued for the flow.
public struct TokensIssued: Event {
    public static let type = "TokensIssued"
    /// The access token's `jti`.
    public var accessTokenID: String
    public var accessTokenExpiresAt: Timestamp
    public var clientID: String
    /// The user the tokens act for (`sub`).
    public var subject: String
    public var scope: Scope
    /// The grant that produced them: `authorization_code` or `refresh_token`.
    public var grantType: String
    /// When they were issued (the access token's `iat`).
    public var issuedAt: Timestamp
    /// The new refresh token, when one was issued.
    public var refreshToken: IssuedRefreshToken?
    /// Whether an OpenID Connect ID token was issued too.
    public var idTokenIssued: Bool
    /// The access token's `aud`: the resource servers it is for (RFC 9068 §3, RFC 8707). Absent in
    /// tokens issued before audiences were recorded, whose `aud` was the client id.
    public var audience: [String]?

    enum CodingKeys: String, CodingKey {
        case accessTokenID = "access_token_id", accessTokenExpiresAt = "access_token_expires_at"
        case clientID = "client_id", subject, scope, grantType = "grant_type", issuedAt = "issued_at"
        case refreshToken = "refresh_token", idTokenIssued = "id_token_issued", audience
    }

    public init(accessTokenID: String, accessTokenExpiresAt: Timestamp, clientID: String, subject: String,
                scope: Scope, grantType: String, issuedAt: Timestamp, refreshToken: IssuedRefreshToken? = nil,
                idTokenIssued: Bool = false, audience: [String]? = nil) {
        self.audience = audience
        self.accessTokenID = accessTokenID
        self.accessTokenExpiresAt = accessTokenExpiresAt
        self.clientID = clientID
        self.subject = subject
        self.scope = scope
        self.grantType = grantType
        self.issuedAt = issuedAt
        self.refreshToken = refreshToken
        self.idTokenIssued = idTokenIssued
    }
}

/// A refresh token as `TokensIssued` records it: its hash and its limits.
public struct IssuedRefreshToken: Codable, Sendable, Equatable {
    public var hash: SecretHash
    /// The sooner of its idle limit and the family's absolute limit.
    public var expiresAt: Timestamp
    /// No token of the family lives past this, however often it is rotated.
    public var familyExpiresAt: Timestamp

    enum CodingKeys: String, CodingKey {
        case hash, expiresAt = "expires_at", familyExpiresAt = "family_expires_at"
    }

    public init(hash: SecretHash, expiresAt: Timestamp, familyExpiresAt: Timestamp) {
        self.hash = hash
        self.expiresAt = expiresAt
        self.familyExpiresAt = familyExpiresAt
    }
}

/// Tokens of the flow were revoked, with the reason.
public struct TokensRevoked: Event {
    public static let type = "TokensRevoked"
    /// The `jti`s of the access tokens revoked.
    public var accessTokenIDs: [String]
    /// The hashes of the refresh tokens revoked.
    public var refreshTokenHashes: [SecretHash]
    /// `code_reuse`, `refresh_reuse`, `client_request`, `consent_revoked`, …
    public var reason: String

    enum CodingKeys: String, CodingKey {
        case accessTokenIDs = "access_token_ids", refreshTokenHashes = "refresh_token_hashes", reason
    }

    public init(accessTokenIDs: [String], refreshTokenHashes: [SecretHash] = [], reason: String) {
        self.accessTokenIDs = accessTokenIDs
        self.refreshTokenHashes = refreshTokenHashes
        self.reason = reason
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        accessTokenIDs = try container.decode([String].self, forKey: .accessTokenIDs)
        refreshTokenHashes = try container.decodeIfPresent([SecretHash].self, forKey: .refreshTokenHashes) ?? []
        reason = try container.decode(String.self, forKey: .reason)
    }
}
