import VellumCore

/// Shared values for the pure tests.
enum Fixtures {
    static let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    /// RFC 7636 Appendix B: the S256 challenge of `verifier`.
    static let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    static let now = Timestamp(microsecondsSinceEpoch: 1_800_000_000_000_000)
    static let code = "code-secret-value"

    static func client(public isPublic: Bool = false, redirectURIs: [String] = ["https://app.example/cb"],
                       scope: String = "openid profile email") -> RegisteredClient {
        RegisteredClient(ClientRegistered(
            clientID: "app", name: "App", redirectURIs: redirectURIs, isPublic: isPublic,
            authMethod: isPublic ? .none : .clientSecretBasic, scope: Scope(scope.split(separator: " ").map(String.init)),
            grantTypes: ["authorization_code"], secretHash: isPublic ? nil : SecretHash(of: "s3cret")))
    }

    static func request(challenge: String? = Fixtures.challenge, redirectIncluded: Bool = true) -> AuthorizationRequested {
        AuthorizationRequested(clientID: "app", redirectURI: "https://app.example/cb", redirectURIIncluded: redirectIncluded,
                               scope: Scope(["openid", "profile"]), state: "xyz", codeChallenge: challenge,
                               codeChallengeMethod: challenge == nil ? nil : "S256", nonce: "n-1")
    }

    static let user = UserAuthenticated(userID: "u-1", username: "alice", method: "password",
                                        sessionID: "s-1", authTime: now)

    /// A flow up to an issued code.
    static func flowWithCode(challenge: String? = Fixtures.challenge, redirectIncluded: Bool = true) -> FlowState {
        var state = FlowState()
        let decision = Flow.decide(state, [
            .request(request(challenge: challenge, redirectIncluded: redirectIncluded)), .authenticate(user, now: now),
            .grantConsent(remembered: false, now: now), .issueCode(codeHash: SecretHash(of: code), now: now, lifetime: 60),
        ])
        decision.events.forEach { state.evolve($0) }
        return state
    }

    static func redemption(client: String = "app", redirectURI: String? = "https://app.example/cb",
                           verifier: String? = Fixtures.verifier, at: Timestamp = now.adding(seconds: 5),
                           code: String = Fixtures.code, jti: String = "jti-1") -> CodeRedemption {
        CodeRedemption(codeHash: SecretHash(of: code), clientID: client, redirectURI: redirectURI, codeVerifier: verifier,
                       now: at, accessTokenID: jti, accessTokenLifetime: 300)
    }
}
