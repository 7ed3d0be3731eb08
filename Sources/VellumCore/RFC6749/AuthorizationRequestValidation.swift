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
    /// The largest value, in UTF-8 bytes, each parameter may have; larger ones are refused, never
    /// truncated (a truncated `state` would not match at the client).
    public static let byteLimits: [String: Int] = [
        "client_id": 256, "redirect_uri": 2048, "state": 1024, "nonce": 512, "scope": 2048,
        "code_challenge": 128, "code_challenge_method": 16, "response_type": 64, "prompt": 64,
        "max_age": 19, "resource": 2048, "login_hint": 256,
    ]
    /// The most `resource` indicators one request may name.
    public static let maximumResources = 8

    /// Checks `parameters` against `client` (nil when no client has the `client_id`).
    /// The client and the redirect URI are checked first: until both are trusted, no error is
    /// redirected.
    public static func validate(_ parameters: RequestParameters, client: RegisteredClient?) -> AuthorizationRequestOutcome {
        // Parameters sent without a value are treated as omitted (RFC 6749 §3.1).
        let parameters = parameters.filter { !$0.value.isEmpty }
        let values = Dictionary(grouping: parameters, by: \.name).mapValues { $0.map(\.value) }
        // `resource` is the one parameter that may repeat (RFC 8707 §2).
        let repeated = values.filter { $0.value.count > 1 && $0.key != "resource" }.keys.sorted()
        func single(_ name: String) -> String? { values[name]?.first }
        let oversized = parameters.first { parameter in byteLimits[parameter.name].map { parameter.value.utf8.count > $0 } ?? false }

        if repeated.contains("client_id") || repeated.contains("redirect_uri") {
            return .errorPage("The request repeats client_id or redirect_uri.")
        }
        if let oversized, oversized.name == "client_id" || oversized.name == "redirect_uri" {
            return .errorPage("The request's \(oversized.name) is too long.")
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
        if let oversized {
            return fail(.invalidRequest("the parameter '\(oversized.name)' is longer than \(byteLimits[oversized.name] ?? 0) bytes"))
        }
        // Request objects are not supported (OpenID Connect Core §6, §3.1.2.6).
        if single("request") != nil {
            return fail(OAuthError(.requestNotSupported, "request objects are not supported"))
        }
        if single("request_uri") != nil {
            return fail(OAuthError(.requestURINotSupported, "request_uri is not supported"))
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
        var prompt: [Prompt]?
        if let text = single("prompt") {
            do { prompt = try Prompt.parse(text) } catch { return fail(error) }
        }
        var maxAge: Int64?
        if let text = single("max_age") {
            guard let seconds = Int64(text), seconds >= 0 else {
                return fail(.invalidRequest("max_age must be a non-negative number of seconds"))
            }
            maxAge = seconds
        }
        let resources = values["resource"] ?? []
        guard resources.count <= maximumResources else {
            return fail(OAuthError(.invalidTarget, "at most \(maximumResources) resource parameters are accepted"))
        }
        if let invalid = resources.first(where: { !ResourceIndicator.isValid($0) }) {
            return fail(OAuthError(.invalidTarget, "resource '\(invalid)' must be an absolute URI without a fragment"))
        }
        return .valid(AuthorizationRequested(
            clientID: client.clientID, redirectURI: redirectURI, redirectURIIncluded: single("redirect_uri") != nil,
            scope: scope, state: state, codeChallenge: challenge, codeChallengeMethod: challenge == nil ? nil : PKCE.method,
            nonce: single("nonce"), prompt: prompt, maxAge: maxAge, resources: resources.isEmpty ? nil : resources))
    }
}
