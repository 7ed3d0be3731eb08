/// The parameters of a request, in order, repeated names included.
public typealias RequestParameters = [(name: String, value: String)]

/// What to do with an authorization request (RFC 6749 §4.1.1, §4.1.2.1).
public enum AuthorizationRequestOutcome: Sendable, Equatable {
    /// The client or the redirect URI cannot be trusted: show the user an error page and never
    /// redirect (RFC 6749 §4.1.2.1, RFC 9700 §4.11).
    case errorPage(String)
    /// Redirect the error to the client at `redirectURI` with `state`.
    case redirectError(OAuthError, redirectURI: String, state: String?)
    /// A valid request.
    case valid(AuthorizationRequested)
}

/// Validates authorization requests against the registered client.
public enum AuthorizationRequestValidation {
    /// Checks `parameters` against `client` (nil when no client has the `client_id`).
    /// The client and the redirect URI are checked first: until both are trusted, no error is
    /// redirected.
    public static func validate(_ parameters: RequestParameters, client: RegisteredClient?) -> AuthorizationRequestOutcome {
        let values = Dictionary(grouping: parameters, by: \.name).mapValues { $0.map(\.value) }
        let repeated = values.filter { $0.value.count > 1 }.keys.sorted()
        func single(_ name: String) -> String? { values[name]?.first }

        if repeated.contains("client_id") || repeated.contains("redirect_uri") {
            return .errorPage("The request repeats client_id or redirect_uri.")
        }
        guard let clientID = single("client_id"), !clientID.isEmpty else {
            return .errorPage("The request has no client_id.")
        }
        guard let client, !client.disabled, client.clientID == clientID else {
            return .errorPage("The client '\(clientID)' is not registered.")
        }
        let redirectURI: String
        if let requested = single("redirect_uri") {
            guard RedirectURI.matches(requested, registered: client.redirectURIs) else {
                return .errorPage("The redirect URI is not registered for this client.")
            }
            redirectURI = requested
        } else if client.redirectURIs.count == 1 {
            redirectURI = client.redirectURIs[0]
        } else {
            return .errorPage("The request has no redirect_uri and the client registered several.")
        }

        let state = repeated.contains("state") ? nil : single("state")
        func fail(_ error: OAuthError) -> AuthorizationRequestOutcome {
            .redirectError(error, redirectURI: redirectURI, state: state)
        }
        if let name = repeated.first {
            return fail(.invalidRequest("the parameter '\(name)' is repeated"))
        }
        guard let responseType = single("response_type") else {
            return fail(.invalidRequest("response_type is required"))
        }
        guard responseType == "code" else {
            return fail(OAuthError(.unsupportedResponseType, "only response_type=code is supported"))
        }
        var requested = Scope.empty
        if let text = single("scope") {
            do { requested = try Scope(parsing: text) } catch { return fail(error) }
        }
        // No scope asked for: the client's registered scope (RFC 6749 §3.3 lets the server choose).
        let scope = requested.isEmpty ? client.scope : requested
        guard scope.isSubset(of: client.scope) else {
            return fail(.invalidScope("the client may not ask for: \(Scope(Set(scope.tokens).subtracting(client.scope.tokens)))"))
        }
        let challenge = single("code_challenge")
        let method = single("code_challenge_method")
        if let challenge {
            // An absent method means `plain` (RFC 7636 §4.3), which is refused.
            do { try PKCE.validateChallenge(challenge, method: method ?? "plain") } catch { return fail(error) }
        } else if method != nil {
            return fail(.invalidRequest("code_challenge_method was sent without code_challenge"))
        } else if client.isPublic {
            return fail(.invalidRequest("PKCE is required for public clients: send code_challenge with code_challenge_method=S256"))
        }
        return .valid(AuthorizationRequested(
            clientID: client.clientID, redirectURI: redirectURI, redirectURIIncluded: single("redirect_uri") != nil,
            scope: scope, state: state, codeChallenge: challenge, codeChallengeMethod: challenge == nil ? nil : PKCE.method,
            nonce: single("nonce")))
    }
}
