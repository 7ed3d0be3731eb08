import Foundation

/// RFC 8707 resource indicators: which resource servers an access token is for (its `aud`).
public enum ResourceIndicator {
    /// Whether `value` may be a `resource` parameter: an absolute URI without a fragment (§2).
    public static func isValid(_ value: String) -> Bool {
        guard let components = URLComponents(string: value), let scheme = components.scheme, !scheme.isEmpty,
              components.fragment == nil else { return false }
        return !value.contains(where: { $0.isWhitespace })
    }

    /// The audience of an access token (RFC 9068 §3): the resources asked for at the token endpoint
    /// (which must be among those authorized), else those authorized, else the server's default.
    public static func audience(requested: [String], authorized: [String]?, defaultAudience: [String]) throws(OAuthError) -> [String] {
        // A repeated value names the same resource once.
        let requested = requested.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        if !requested.isEmpty {
            guard requested.count <= AuthorizationRequestValidation.maximumResources else {
                throw OAuthError(.invalidTarget, "at most \(AuthorizationRequestValidation.maximumResources) resource parameters are accepted")
            }
            if let invalid = requested.first(where: { !isValid($0) }) {
                throw OAuthError(.invalidTarget, "resource '\(invalid)' must be an absolute URI without a fragment")
            }
            if let authorized, let extra = requested.first(where: { !authorized.contains($0) }) {
                throw OAuthError(.invalidTarget, "resource '\(extra)' was not part of the authorization request")
            }
            return requested
        }
        return authorized ?? defaultAudience
    }
}
