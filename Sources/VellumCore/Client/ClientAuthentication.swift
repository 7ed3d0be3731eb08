/// The credentials a token-endpoint request presented (RFC 6749 §2.3).
public enum PresentedClientCredentials: Sendable, Equatable {
    /// HTTP Basic with the client id and secret.
    case basic(clientID: String, secret: String)
    /// `client_id` and `client_secret` in the form body.
    case post(clientID: String, secret: String)
    /// `client_id` alone: a public client.
    case none(clientID: String)

    /// The client id presented.
    public var clientID: String {
        switch self {
        case .basic(let id, _), .post(let id, _), .none(let id): id
        }
    }

    /// Whether the failure should carry `WWW-Authenticate: Basic` (RFC 6749 §5.2).
    public var usedBasic: Bool {
        if case .basic = self { true } else { false }
    }
}

/// Client authentication at the token, revocation and introspection endpoints.
public enum ClientAuthentication {
    /// Authenticates `presented` against `client` (nil when no client has that id).
    ///
    /// Every failure is `invalid_client` with the same description, so that the answer does not
    /// tell an attacker which client ids exist.
    public static func authenticate(
        _ presented: PresentedClientCredentials, client: RegisteredClient?
    ) throws(OAuthError) -> RegisteredClient {
        let failure = OAuthError.invalidClient("client authentication failed")
        guard let client, !client.disabled else { throw failure }
        switch (presented, client.authMethod) {
        case (.basic(_, let secret), .clientSecretBasic), (.post(_, let secret), .clientSecretPost):
            guard let expected = client.secretHash,
                  ConstantTime.equal(Array(SecretHash(of: secret).hex.utf8), Array(expected.hex.utf8)) else { throw failure }
            return client
        case (.none, .none):
            return client
        default:
            throw failure
        }
    }

    /// Why `presented` does not authenticate as `client` (for the log and metrics, never the
    /// answer): `unknown_client`, `client_disabled`, `wrong_method` or `wrong_secret`.
    public static func failureReason(_ presented: PresentedClientCredentials, client: RegisteredClient?) -> String {
        guard let client else { return "unknown_client" }
        if client.disabled { return "client_disabled" }
        switch (presented, client.authMethod) {
        case (.basic, .clientSecretBasic), (.post, .clientSecretPost), (.none, .none): return "wrong_secret"
        default: return "wrong_method"
        }
    }
}
