import Testing
import VellumCore

@Suite("Authorization request validation (RFC 6749 §4.1.1, RFC 7636)")
struct AuthorizationRequestValidationTests {
    private func params(_ overrides: [String: String?] = [:], extra: RequestParameters = []) -> RequestParameters {
        var base: [String: String?] = [
            "client_id": "app", "redirect_uri": "https://app.example/cb", "response_type": "code",
            "scope": "openid profile", "state": "xyz", "code_challenge": Fixtures.challenge, "code_challenge_method": "S256",
        ]
        for (key, value) in overrides { base[key] = value }
        return base.compactMap { key, value in value.map { (name: key, value: $0) } }.sorted { $0.name < $1.name } + extra
    }

    private func redirectError(_ outcome: AuthorizationRequestOutcome) -> OAuthError.Code? {
        if case .redirectError(let error, let uri, let state) = outcome {
            #expect(uri == "https://app.example/cb")
            #expect(state == "xyz")
            return error.code
        }
        return nil
    }

    @Test func aValidRequestIsAccepted() {
        let outcome = AuthorizationRequestValidation.validate(params(), client: Fixtures.client(public: true))
        #expect(outcome == .valid(AuthorizationRequested(
            clientID: "app", redirectURI: "https://app.example/cb", redirectURIIncluded: true,
            scope: Scope(["openid", "profile"]), state: "xyz", codeChallenge: Fixtures.challenge,
            codeChallengeMethod: "S256", nonce: nil)))
    }

    @Test func anUnknownClientGetsAnErrorPage() {
        guard case .errorPage = AuthorizationRequestValidation.validate(params(), client: nil) else {
            Issue.record("expected an error page"); return
        }
        guard case .errorPage = AuthorizationRequestValidation.validate(params(["client_id": nil]), client: Fixtures.client()) else {
            Issue.record("expected an error page"); return
        }
    }

    @Test(arguments: ["https://evil.example/cb", "https://app.example/cb/", "https://app.example/cb?x=1", "https://APP.example/cb"])
    func anUnregisteredRedirectURIGetsAnErrorPageNeverARedirect(uri: String) {
        guard case .errorPage = AuthorizationRequestValidation.validate(params(["redirect_uri": uri]), client: Fixtures.client()) else {
            Issue.record("\(uri) must not be redirected to"); return
        }
    }

    @Test func repeatedClientIDOrRedirectURIGetsAnErrorPage() {
        let outcome = AuthorizationRequestValidation.validate(
            params(extra: [(name: "redirect_uri", value: "https://app.example/cb")]), client: Fixtures.client())
        guard case .errorPage = outcome else { Issue.record("expected an error page"); return }
    }

    @Test func otherRepeatedParametersAreRedirectedAsInvalidRequest() {
        let outcome = AuthorizationRequestValidation.validate(params(extra: [(name: "scope", value: "openid")]), client: Fixtures.client())
        #expect(redirectError(outcome) == .invalidRequest)
    }

    @Test func responseTypeIsRequiredAndMustBeCode() {
        #expect(redirectError(AuthorizationRequestValidation.validate(params(["response_type": nil]), client: Fixtures.client())) == .invalidRequest)
        #expect(redirectError(AuthorizationRequestValidation.validate(params(["response_type": "token"]), client: Fixtures.client())) == .unsupportedResponseType)
    }

    @Test func publicClientsMustUsePKCE() {
        let outcome = AuthorizationRequestValidation.validate(
            params(["code_challenge": nil, "code_challenge_method": nil]), client: Fixtures.client(public: true))
        #expect(redirectError(outcome) == .invalidRequest)
        // A confidential client may go without.
        guard case .valid(let request) = AuthorizationRequestValidation.validate(
            params(["code_challenge": nil, "code_challenge_method": nil]), client: Fixtures.client()) else {
            Issue.record("a confidential client may omit PKCE"); return
        }
        #expect(request.codeChallenge == nil)
    }

    @Test(arguments: ["plain", "s256", "S512"])
    func onlyS256IsAccepted(method: String) {
        #expect(redirectError(AuthorizationRequestValidation.validate(params(["code_challenge_method": method]), client: Fixtures.client())) == .invalidRequest)
    }

    @Test func aChallengeWithoutMethodMeansPlainAndIsRefused() {
        #expect(redirectError(AuthorizationRequestValidation.validate(params(["code_challenge_method": nil]), client: Fixtures.client())) == .invalidRequest)
    }

    @Test func aMalformedChallengeIsRefused() {
        #expect(redirectError(AuthorizationRequestValidation.validate(params(["code_challenge": "short"]), client: Fixtures.client())) == .invalidRequest)
    }

    @Test func scopeBeyondTheClientsIsRefusedAndNoScopeMeansTheClients() {
        #expect(redirectError(AuthorizationRequestValidation.validate(params(["scope": "openid admin"]), client: Fixtures.client())) == .invalidScope)
        guard case .valid(let request) = AuthorizationRequestValidation.validate(params(["scope": nil]), client: Fixtures.client()) else {
            Issue.record("no scope should default"); return
        }
        #expect(request.scope == Scope(["openid", "profile", "email"]))
    }

    @Test func aSingleRegisteredRedirectURIMayBeOmitted() {
        guard case .valid(let request) = AuthorizationRequestValidation.validate(params(["redirect_uri": nil]), client: Fixtures.client()) else {
            Issue.record("expected valid"); return
        }
        #expect(request.redirectURI == "https://app.example/cb")
        #expect(!request.redirectURIIncluded)
        let two = Fixtures.client(redirectURIs: ["https://app.example/cb", "https://app.example/cb2"])
        guard case .errorPage = AuthorizationRequestValidation.validate(params(["redirect_uri": nil]), client: two) else {
            Issue.record("expected an error page"); return
        }
    }
}

@Suite("Redirect URI rules")
struct RedirectURITests {
    @Test func exactMatchOnly() {
        #expect(RedirectURI.matches("https://app.example/cb", registered: ["https://app.example/cb"]))
        #expect(!RedirectURI.matches("https://app.example/cb#x", registered: ["https://app.example/cb"]))
        #expect(!RedirectURI.matches("https://app.example:443/cb", registered: ["https://app.example/cb"]))
    }

    @Test func loopbackMayVaryOnlyInPort() {
        #expect(RedirectURI.matches("http://127.0.0.1:51234/cb", registered: ["http://127.0.0.1/cb"]))
        #expect(RedirectURI.matches("http://[::1]:8080/cb", registered: ["http://[::1]:9/cb"]))
        #expect(!RedirectURI.matches("http://127.0.0.1:51234/other", registered: ["http://127.0.0.1/cb"]))
        #expect(!RedirectURI.matches("http://localhost:51234/cb", registered: ["http://localhost/cb"]))
        #expect(!RedirectURI.matches("https://127.0.0.1:5/cb", registered: ["https://127.0.0.1/cb"]))
    }

    @Test func registrableURIs() {
        #expect(RedirectURI.isRegistrable("https://app.example/cb"))
        #expect(RedirectURI.isRegistrable("http://127.0.0.1/cb"))
        #expect(RedirectURI.isRegistrable("com.example.app:/cb"))
        #expect(!RedirectURI.isRegistrable("http://app.example/cb"))
        #expect(!RedirectURI.isRegistrable("https://app.example/cb#frag"))
        #expect(!RedirectURI.isRegistrable("/relative"))
    }

    @Test func parametersAreAddedToTheQuery() {
        #expect(RedirectURI.appending([("code", "a b"), ("state", "x&y")], to: "https://app.example/cb?keep=1")
                == "https://app.example/cb?keep=1&code=a%20b&state=x%26y")
        #expect(RedirectURI.appending([("code", "c")], to: "com.example.app:/cb") == "com.example.app:/cb?code=c")
    }

    /// A URI is ASCII (RFC 3986 §2): a state with letters outside ASCII goes back percent-encoded
    /// as UTF-8, and only the unreserved characters go back as they are.
    @Test func everyByteOutsideTheUnreservedSetIsPercentEncoded() {
        #expect(RedirectURI.appending([("state", "é東x-._~+/?")], to: "https://app.example/cb")
                == "https://app.example/cb?state=%C3%A9%E6%9D%B1x-._~%2B%2F%3F")
    }

    /// The registered URI's query is retained as registered (RFC 6749 §3.1.2): not decoded and
    /// encoded again, which turned its `+` into `%2B` and so changed what it means to a form decoder.
    @Test func theRegisteredQueryIsKeptByteForByte() {
        #expect(RedirectURI.appending([("code", "c")], to: "https://app.example/cb?q=a+b&r=%7e")
                == "https://app.example/cb?q=a+b&r=%7e&code=c")
    }
}

@Suite("Scopes and errors")
struct ScopeTests {
    @Test func parsesSpaceDelimitedTokens() throws {
        #expect(try Scope(parsing: "profile  openid profile").tokens == ["openid", "profile"])
        #expect(throws: OAuthError.self) { try Scope(parsing: "bad\"quote") }
        #expect(Scope(["a"]).isSubset(of: Scope(["a", "b"])))
        #expect(!Scope(["c"]).isSubset(of: Scope(["a", "b"])))
    }

    @Test func errorCodesMapToTheirStatuses() {
        #expect(OAuthError.invalidClient("x").status == 401)
        #expect(OAuthError.invalidGrant("x").status == 400)
        #expect(OAuthError(.serverError, "x").status == 500)
        #expect(OAuthError(.temporarilyUnavailable, "x").status == 503)
    }
}

@Suite("Authorization request parameters: OpenID Connect, RFC 8707, empty values, byte limits")
struct AuthorizationRequestParameterTests {
    private func params(_ extra: RequestParameters) -> RequestParameters {
        [("client_id", "app"), ("redirect_uri", "https://app.example/cb"), ("response_type", "code"), ("scope", "openid"),
         ("state", "xyz"), ("code_challenge", Fixtures.challenge), ("code_challenge_method", "S256")] + extra
    }

    private func error(_ outcome: AuthorizationRequestOutcome) -> OAuthError.Code? {
        if case .redirectError(let error, _, let state) = outcome {
            #expect(state == "xyz")
            return error.code
        }
        return nil
    }

    private func valid(_ outcome: AuthorizationRequestOutcome) -> AuthorizationRequested? {
        if case .valid(let request) = outcome { return request }
        Issue.record("expected a valid request, got \(outcome)")
        return nil
    }

    @Test func requestObjectsAreNotSupported() {
        #expect(error(AuthorizationRequestValidation.validate(params([("request", "eyJ.e30.")]), client: Fixtures.client())) == .requestNotSupported)
        #expect(error(AuthorizationRequestValidation.validate(params([("request_uri", "https://rp.example/r")]), client: Fixtures.client()))
                == .requestURINotSupported)
    }

    @Test func promptAndMaxAgeAreRecorded() {
        let request = valid(AuthorizationRequestValidation.validate(params([("prompt", "login"), ("max_age", "0")]), client: Fixtures.client()))
        #expect(request?.prompt == [.login])
        #expect(request?.maxAge == 0)
        #expect(error(AuthorizationRequestValidation.validate(params([("max_age", "-1")]), client: Fixtures.client())) == .invalidRequest)
        #expect(error(AuthorizationRequestValidation.validate(params([("prompt", "none consent")]), client: Fixtures.client())) == .invalidRequest)
    }

    @Test func emptyParametersAreTreatedAsOmitted() {
        // RFC 6749 §3.1: an empty nonce or scope is as if not sent; an empty state too.
        let request = valid(AuthorizationRequestValidation.validate(
            params([("nonce", ""), ("prompt", ""), ("max_age", "")]), client: Fixtures.client()))
        #expect(request?.nonce == nil)
        #expect(request?.prompt == nil)
        #expect(request?.maxAge == nil)
        let noState = valid(AuthorizationRequestValidation.validate(
            params([]).filter { $0.name != "state" } + [("state", "")], client: Fixtures.client()))
        #expect(noState?.state == nil)
    }

    @Test func limitsAreInBytesNotCharacters() {
        // 300 three-byte characters: 900 bytes, under the 1,024 of state; 400 of them are not.
        let fits = String(repeating: "€", count: 300)
        let tooLong = String(repeating: "€", count: 400)
        #expect(tooLong.count < 1024 && tooLong.utf8.count > 1024)
        let withState = { (state: String) in [("client_id", "app"), ("redirect_uri", "https://app.example/cb"), ("response_type", "code"),
                                              ("code_challenge", Fixtures.challenge), ("code_challenge_method", "S256"), ("state", state)] }
        #expect(valid(AuthorizationRequestValidation.validate(withState(fits), client: Fixtures.client()))?.state == fits)
        guard case .redirectError(let error, _, _) = AuthorizationRequestValidation.validate(withState(tooLong), client: Fixtures.client()) else {
            Issue.record("an oversized state is refused"); return
        }
        #expect(error.code == .invalidRequest)
        #expect(self.error(AuthorizationRequestValidation.validate(params([("nonce", String(repeating: "n", count: 513))]), client: Fixtures.client()))
                == .invalidRequest)
    }

    @Test func resourceIndicatorsMustBeAbsoluteURIs() {
        let request = valid(AuthorizationRequestValidation.validate(
            params([("resource", "https://api.example"), ("resource", "https://files.example")]), client: Fixtures.client()))
        #expect(request?.resources == ["https://api.example", "https://files.example"])
        #expect(error(AuthorizationRequestValidation.validate(params([("resource", "api")]), client: Fixtures.client())) == .invalidTarget)
        #expect(error(AuthorizationRequestValidation.validate(params([("resource", "https://api.example#x")]), client: Fixtures.client()))
                == .invalidTarget)
    }

    @Test func theAudienceIsTheResourceNotTheClient() throws {
        #expect(try ResourceIndicator.audience(requested: [], authorized: nil, defaultAudience: ["https://id.example"]) == ["https://id.example"])
        #expect(try ResourceIndicator.audience(requested: [], authorized: ["https://api.example"], defaultAudience: ["d"]) == ["https://api.example"])
        #expect(try ResourceIndicator.audience(requested: ["https://api.example"], authorized: ["https://api.example", "https://b.example"],
                                               defaultAudience: []) == ["https://api.example"])
        #expect(throws: OAuthError.self) {
            try ResourceIndicator.audience(requested: ["https://other.example"], authorized: ["https://api.example"], defaultAudience: [])
        }
        #expect(try ResourceIndicator.audience(requested: ["https://a.example", "https://a.example"], authorized: nil, defaultAudience: [])
                == ["https://a.example"], "a repeated resource is named once")
        #expect(throws: OAuthError.self) {
            try ResourceIndicator.audience(requested: (0..<9).map { "https://r\($0).example" }, authorized: nil, defaultAudience: [])
        }
    }
}
