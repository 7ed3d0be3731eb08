/// The events of a `client-<client_id>` stream.

/// How a client authenticates at the token endpoint (RFC 8414 `token_endpoint_auth_methods_supported`).
public enum ClientAuthenticationMethod: String, Sendable, Codable, CaseIterable {
    case clientSecretBasic = "client_secret_basic"
    case clientSecretPost = "client_secret_post"
    /// A public client: no secret, PKCE required.
    case none
}

/// An operator registered a client.
public struct ClientRegistered: Event {
    public static let type = "ClientRegistered"
    public var clientID: String
    public var name: String
    public var redirectURIs: [String]
    /// Public clients (browser and native apps) have no secret and must use PKCE.
    public var isPublic: Bool
    public var authMethod: ClientAuthenticationMethod
    /// The scope the client may ask for.
    public var scope: Scope
    /// `authorization_code`, and `refresh_token` when the client may refresh.
    public var grantTypes: [String]
    /// SHA-256 of the client secret; nil for a public client.
    public var secretHash: SecretHash?
    /// Where RP-initiated logout may send the browser afterwards (OpenID Connect RP-Initiated
    /// Logout §3); absent in registrations made before logout redirects existed.
    public var postLogoutRedirectURIs: [String]?

    enum CodingKeys: String, CodingKey {
        case clientID = "client_id", name, redirectURIs = "redirect_uris", isPublic = "public"
        case authMethod = "token_endpoint_auth_method", scope, grantTypes = "grant_types", secretHash = "secret_hash"
        case postLogoutRedirectURIs = "post_logout_redirect_uris"
    }

    public init(clientID: String, name: String, redirectURIs: [String], isPublic: Bool,
                authMethod: ClientAuthenticationMethod, scope: Scope, grantTypes: [String], secretHash: SecretHash?,
                postLogoutRedirectURIs: [String]? = nil) {
        self.postLogoutRedirectURIs = postLogoutRedirectURIs
        self.clientID = clientID
        self.name = name
        self.redirectURIs = redirectURIs
        self.isPublic = isPublic
        self.authMethod = authMethod
        self.scope = scope
        self.grantTypes = grantTypes
        self.secretHash = secretHash
    }
}

/// The client's secret was replaced; the old one is refused from now on.
public struct ClientSecretRotated: Event {
    public static let type = "ClientSecretRotated"
    public var clientID: String
    /// SHA-256 of the new secret.
    public var secretHash: SecretHash

    enum CodingKeys: String, CodingKey { case clientID = "client_id", secretHash = "secret_hash" }

    public init(clientID: String, secretHash: SecretHash) {
        self.clientID = clientID
        self.secretHash = secretHash
    }
}

/// The client was disabled: its authorization and token requests are refused, its tokens revoked.
public struct ClientDisabled: Event {
    public static let type = "ClientDisabled"
    public var clientID: String

    enum CodingKeys: String, CodingKey { case clientID = "client_id" }

    public init(clientID: String) { self.clientID = clientID }
}

/// A disabled client may be used again.
public struct ClientEnabled: Event {
    public static let type = "ClientEnabled"
    public var clientID: String

    enum CodingKeys: String, CodingKey { case clientID = "client_id" }

    public init(clientID: String) { self.clientID = clientID }
}

/// Requests that named the client failed to authenticate as it (RFC 6749 §2.3): a wrong secret,
/// another method than its own, or the client disabled. Bounded: each instance appends at most
/// one for the first failure of a client in an interval and one with the count of the rest, so
/// that an unauthenticated caller cannot grow the log without limit. The requests' addresses are
/// in the metadata of the first; `failures` counts them all.
public struct ClientAuthenticationFailed: Event {
    public static let type = "ClientAuthenticationFailed"
    public var clientID: String
    /// How many requests failed, from `since` to `until`.
    public var failures: Int
    /// The failures by reason: `wrong_secret`, `wrong_method`, `client_disabled`.
    public var reasons: [String: Int]
    public var since: Timestamp
    public var until: Timestamp

    enum CodingKeys: String, CodingKey { case clientID = "client_id", failures, reasons, since, until }

    public init(clientID: String, reasons: [String: Int], since: Timestamp, until: Timestamp) {
        self.clientID = clientID
        self.failures = reasons.values.reduce(0, +)
        self.reasons = reasons
        self.since = since
        self.until = until
    }
}
