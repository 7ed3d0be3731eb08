/// An OAuth 2.0 error: the RFC 6749 error code, a description for the developer, and the HTTP
/// status it maps to (§4.1.2.1 for the authorization endpoint, §5.2 for the token endpoint).
public struct OAuthError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The registered error codes of RFC 6749 §4.1.2.1 and §5.2, RFC 7009 §2.2.1, RFC 8707 §2 and
    /// OpenID Connect Core §3.1.2.6.
    public enum Code: String, Sendable, Equatable, Codable {
        case invalidRequest = "invalid_request"
        case invalidClient = "invalid_client"
        case invalidGrant = "invalid_grant"
        case unauthorizedClient = "unauthorized_client"
        case unsupportedGrantType = "unsupported_grant_type"
        case unsupportedResponseType = "unsupported_response_type"
        case invalidScope = "invalid_scope"
        case accessDenied = "access_denied"
        case serverError = "server_error"
        case temporarilyUnavailable = "temporarily_unavailable"
        case unsupportedTokenType = "unsupported_token_type"
        case invalidToken = "invalid_token"
        case insufficientScope = "insufficient_scope"
        /// OpenID Connect Core §3.1.2.6: `prompt=none` and the user must log in.
        case loginRequired = "login_required"
        /// OpenID Connect Core §3.1.2.6: `prompt=none` and the user must consent.
        case consentRequired = "consent_required"
        /// OpenID Connect Core §3.1.2.6: the request object (`request`) is not supported.
        case requestNotSupported = "request_not_supported"
        /// OpenID Connect Core §3.1.2.6: `request_uri` is not supported.
        case requestURINotSupported = "request_uri_not_supported"
        /// RFC 8707 §2: the `resource` is not a valid or allowed target.
        case invalidTarget = "invalid_target"
    }

    /// The error code.
    public let code: Code
    /// A human-readable explanation (`error_description`): never a secret, never a stack trace.
    public let description: String

    /// An error with `code` and `description`.
    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    /// The HTTP status for this error in a token endpoint response (RFC 6749 §5.2).
    public var status: Int {
        switch code {
        case .invalidClient, .invalidToken: 401
        case .insufficientScope: 403
        case .serverError: 500
        case .temporarilyUnavailable: 503
        default: 400
        }
    }
}

extension OAuthError {
    /// `invalid_request` with `description`.
    public static func invalidRequest(_ description: String) -> OAuthError { .init(.invalidRequest, description) }
    /// `invalid_grant` with `description`.
    public static func invalidGrant(_ description: String) -> OAuthError { .init(.invalidGrant, description) }
    /// `invalid_client` with `description`.
    public static func invalidClient(_ description: String) -> OAuthError { .init(.invalidClient, description) }
    /// `invalid_scope` with `description`.
    public static func invalidScope(_ description: String) -> OAuthError { .init(.invalidScope, description) }
}
