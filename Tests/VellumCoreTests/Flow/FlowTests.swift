import Testing
import VellumCore

@Suite("The flow aggregate")
struct FlowTests {
    @Test func theWholeFlowRecordsEveryStep() {
        let state = Fixtures.flowWithCode()
        #expect(state.version == 4)
        let decision = Flow.decide(state, .redeemCode(Fixtures.redemption()))
        guard case .accept(let events) = decision else { Issue.record("expected acceptance, got \(decision)"); return }
        #expect(events.map(\.event).map { type(of: $0).type } == ["AuthorizationCodeRedeemed", "TokensIssued"])
        guard case .tokensIssued(let tokens) = events[1] else { return }
        #expect(tokens.accessTokenID == "jti-1")
        #expect(tokens.subject == "u-1")
        #expect(tokens.clientID == "app")
        #expect(tokens.scope == Scope(["openid", "profile"]))
        #expect(tokens.accessTokenExpiresAt == Fixtures.now.adding(seconds: 305))
    }

    @Test func aCodeUsedTwiceIsRejectedAndRevokesItsTokens() {
        var state = Fixtures.flowWithCode()
        Flow.decide(state, .redeemCode(Fixtures.redemption())).events.forEach { state.evolve($0) }
        #expect(state.codeRedeemed)
        let again = Flow.decide(state, .redeemCode(Fixtures.redemption(jti: "jti-2")))
        #expect(again == .reject([
            .codeRejected(CodeRedemptionRejected(codeHash: SecretHash(of: Fixtures.code), clientID: "app", reason: .alreadyRedeemed)),
            .tokensRevoked(TokensRevoked(accessTokenIDs: ["jti-1"], reason: "code_reuse")),
        ], .invalidGrant("the authorization code has already been used")))
        // A third attempt has nothing left to revoke.
        again.events.forEach { state.evolve($0) }
        #expect(state.liveAccessTokenIDs.isEmpty)
        #expect(Flow.decide(state, .redeemCode(Fixtures.redemption())).events.count == 1)
    }

    @Test(arguments: [
        (Fixtures.redemption(client: "other"), CodeRejection.wrongClient),
        (Fixtures.redemption(at: Fixtures.now.adding(seconds: 60)), .expired),
        (Fixtures.redemption(redirectURI: "https://app.example/other"), .redirectURIMismatch),
        (Fixtures.redemption(redirectURI: nil), .redirectURIMismatch),
        (Fixtures.redemption(verifier: nil), .missingVerifier),
        (Fixtures.redemption(verifier: String(repeating: "a", count: 43)), .verifierMismatch),
        (Fixtures.redemption(verifier: "short"), .verifierMismatch),
    ])
    func everyRejectionReasonIsRecorded(redemption: CodeRedemption, reason: CodeRejection) {
        let decision = Flow.decide(Fixtures.flowWithCode(), .redeemCode(redemption))
        guard case .reject(let events, let error) = decision else { Issue.record("expected rejection, got \(decision)"); return }
        #expect(error.code == .invalidGrant)
        #expect(events == [.codeRejected(CodeRedemptionRejected(
            codeHash: SecretHash(of: Fixtures.code), clientID: redemption.clientID, reason: reason))])
    }

    @Test func aWrongVerifierKillsTheCodeButAMissingOneDoesNot() {
        var state = Fixtures.flowWithCode()
        Flow.decide(state, .redeemCode(Fixtures.redemption(verifier: nil))).events.forEach { state.evolve($0) }
        #expect(!state.codeInvalidated)
        Flow.decide(state, .redeemCode(Fixtures.redemption(verifier: String(repeating: "a", count: 43)))).events.forEach { state.evolve($0) }
        #expect(state.codeInvalidated)
        #expect(Flow.decide(state, .redeemCode(Fixtures.redemption())).events == [.codeRejected(CodeRedemptionRejected(
            codeHash: SecretHash(of: Fixtures.code), clientID: "app", reason: .invalidated))])
    }

    @Test func aVerifierWithoutAChallengeIsRejected() {
        let decision = Flow.decide(Fixtures.flowWithCode(challenge: nil), .redeemCode(Fixtures.redemption()))
        #expect(decision.events.first == .codeRejected(CodeRedemptionRejected(
            codeHash: SecretHash(of: Fixtures.code), clientID: "app", reason: .unexpectedVerifier)))
    }

    @Test func redirectURIMayBeOmittedWhenTheRequestOmittedIt() {
        let state = Fixtures.flowWithCode(redirectIncluded: false)
        guard case .accept = Flow.decide(state, .redeemCode(Fixtures.redemption(redirectURI: nil))) else {
            Issue.record("omitting redirect_uri should be accepted"); return
        }
    }

    @Test func anUnknownCodeIsRefusedWithoutRecord() {
        let decision = Flow.decide(Fixtures.flowWithCode(), .redeemCode(Fixtures.redemption(code: "other")))
        #expect(decision == .refuse(.invalidGrant("the authorization code is invalid")))
    }

    @Test func deniedConsentEndsTheFlow() {
        var state = FlowState()
        let decision = Flow.decide(state, [.request(Fixtures.request()), .authenticate(Fixtures.user, now: Fixtures.now), .denyConsent(now: Fixtures.now)])
        decision.events.forEach { state.evolve($0) }
        #expect(state.denied)
        #expect(Flow.decide(state, .grantConsent(remembered: false, now: Fixtures.now)).events.isEmpty)
        #expect(Flow.decide(state, .issueCode(codeHash: SecretHash(of: "c"), now: Fixtures.now, lifetime: 60)).events.isEmpty)
    }

    @Test func stepsOutOfOrderAreRefused() {
        let empty = FlowState()
        #expect(Flow.decide(empty, .authenticate(Fixtures.user, now: Fixtures.now)).events.isEmpty)
        #expect(Flow.decide(empty, .grantConsent(remembered: false, now: Fixtures.now)).events.isEmpty)
        var requested = FlowState()
        requested.evolve(.requested(Fixtures.request()))
        #expect(Flow.decide(requested, .grantConsent(remembered: false, now: Fixtures.now)).events.isEmpty)
        #expect(Flow.decide(requested, .request(Fixtures.request())).events.isEmpty)
        #expect(Flow.decide(requested, .issueCode(codeHash: SecretHash(of: "c"), now: Fixtures.now, lifetime: 60)).events.isEmpty)
    }

    @Test func afterFiveFailedLoginsTheFlowTakesNoMore() {
        var state = FlowState()
        state.evolve(.requested(Fixtures.request()))
        for attempt in 0..<Flow.maximumFailedLogins {
            let decision = Flow.decide(state, .failAuthentication(AuthenticationFailed(username: "alice", reason: "wrong_password"), now: Fixtures.now))
            #expect(decision.events.count == 1, "attempt \(attempt)")
            decision.events.forEach { state.evolve($0) }
        }
        #expect(Flow.decide(state, .authenticate(Fixtures.user, now: Fixtures.now)).events.isEmpty)
    }

    @Test func eventsRoundTripThroughTheirStoredJSON() throws {
        var state = Fixtures.flowWithCode()
        Flow.decide(state, .redeemCode(Fixtures.redemption())).events.forEach { state.evolve($0) }
        var replayed = FlowState()
        let all = Flow.decide(FlowState(), [
            .request(Fixtures.request()), .authenticate(Fixtures.user, now: Fixtures.now), .grantConsent(remembered: false, now: Fixtures.now),
            .issueCode(codeHash: SecretHash(of: Fixtures.code), now: Fixtures.now, lifetime: 60),
        ]).events + Flow.decide(state, .redeemCode(Fixtures.redemption(jti: "x"))).events
        for event in all {
            let payload = try EventJSON.encode(event.event)
            #expect(payload.contains(#""schema_version":1"#))
            let decoded = try #require(try FlowEvent(type: type(of: event.event).type, payload: payload))
            #expect(decoded == event)
            replayed.evolve(decoded)
        }
        #expect(replayed.version == Int64(all.count))
    }
}

@Suite("Flow rules from review: one login, expiry, code reuse revokes refresh tokens")
struct FlowReviewTests {
    @Test func aFlowTakesOneLoginOnly() {
        var state = FlowState()
        Flow.decide(state, [.request(Fixtures.request()), .authenticate(Fixtures.user, now: Fixtures.now)]).events.forEach { state.evolve($0) }
        // Two racing logins: the second decides on a flow that already has one and is refused.
        var other = Fixtures.user
        other.userID = "u-2"
        #expect(Flow.decide(state, .authenticate(other, now: Fixtures.now)) == .refuse(.invalidRequest("this authorization request no longer accepts a login")))
    }

    @Test func anExpiredFlowTakesNoLoginNorConsent() {
        var request = Fixtures.request()
        request.expiresAt = Fixtures.now.adding(seconds: 600)
        var state = FlowState()
        state.evolve(.requested(request))
        let late = Fixtures.now.adding(seconds: 600)
        #expect(Flow.decide(state, .authenticate(Fixtures.user, now: late)).events.isEmpty)
        #expect(Flow.decide(state, .failAuthentication(AuthenticationFailed(username: "a", reason: "wrong_password"), now: late)).events.isEmpty)
        #expect(Flow.decide(state, .authenticate(Fixtures.user, now: Fixtures.now.adding(seconds: 599))).events.count == 1)
        state.evolve(.authenticated(Fixtures.user))
        #expect(Flow.decide(state, .grantConsent(remembered: false, now: late)).events.isEmpty)
        #expect(Flow.decide(state, .denyConsent(now: late)).events.isEmpty)
    }

    @Test func aCodeRedeemedTwiceRevokesTheRefreshTokenToo() {
        var state = Fixtures.flowWithCode()
        var redemption = Fixtures.redemption()
        redemption.refreshToken = RefreshIssue(hash: SecretHash(of: "r0"), idleLifetime: 3600, absoluteLifetime: 86400)
        Flow.decide(state, .redeemCode(redemption)).events.forEach { state.evolve($0) }
        let again = Flow.decide(state, .redeemCode(Fixtures.redemption(jti: "jti-2")))
        #expect(again.events.last == .tokensRevoked(TokensRevoked(
            accessTokenIDs: ["jti-1"], refreshTokenHashes: [SecretHash(of: "r0")], reason: "code_reuse")))
        again.events.forEach { state.evolve($0) }
        #expect(state.liveRefreshTokenHashes.isEmpty)
    }
}

@Suite("Directory aggregates: user, client, session, remembered consent")
struct DirectoryAggregateTests {
    @Test func aVersionOneUserCreatedStillDecodesAndNamesItsMigratedCredential() throws {
        // A payload as version 1 wrote it: the bcrypt hash inside the event.
        let v1 = #"{"password_hash":"$2b$12$abcdefghijklmnopqrstuu","schema_version":1,"user_id":"u-1","username":"alice"}"#
        let user = try User(recorded: [(type: "UserCreated", payload: v1)])
        #expect(user.username == "alice")
        #expect(user.credentialID == "v1-u-1")
        let created = try EventJSON.decode(UserCreated.self, from: v1)
        #expect(created.legacyPasswordHash != nil)
        // Version 2 writes no hash.
        let v2 = try EventJSON.encode(UserCreated(userID: "u-2", username: "bob", credentialID: "cred-1"))
        #expect(v2 == #"{"credential_id":"cred-1","schema_version":2,"user_id":"u-2","username":"bob"}"#)
    }

    @Test func userCommandsAreDecidedOnItsState() throws {
        var user = User()
        #expect(throws: AggregateRefusal.self) { try user.decide(.disable) }
        try user.evolve(decided: try user.decide(.create(userID: "u-1", username: "alice", credentialID: "c-1")))
        #expect(throws: AggregateRefusal.self) { try user.decide(.create(userID: "u-1", username: "alice", credentialID: "c-2")) }
        #expect(try user.decide(.enable).isEmpty, "enabling an enabled user changes nothing")
        try user.evolve(decided: try user.decide(.disable))
        #expect(user.disabled)
        #expect(try user.decide(.disable).isEmpty)
        try user.evolve(decided: try user.decide(.setPassword(credentialID: "c-2")))
        #expect(user.credentialID == "c-2")
    }

    @Test func clientCommandsAreDecidedOnItsState() throws {
        var client = Client()
        let registration = Fixtures.client().clientID
        #expect(throws: AggregateRefusal.self) { try client.decide(.disable) }
        try client.evolve(decided: [ClientRegistered(clientID: registration, name: "App", redirectURIs: ["https://app.example/cb"],
                                                     isPublic: false, authMethod: .clientSecretBasic, scope: Scope(["openid"]),
                                                     grantTypes: ["authorization_code"], secretHash: SecretHash(of: "old"))])
        try client.evolve(decided: try client.decide(.rotateSecret(SecretHash(of: "new"))))
        #expect(client.registered?.secretHash == SecretHash(of: "new"))
        try client.evolve(decided: try client.decide(.disable))
        #expect(client.registered?.disabled == true)
        #expect(try client.decide(.disable).isEmpty)
    }

    @Test func aSessionEndsOnce() throws {
        var session = Session()
        #expect(try session.decide(.end(reason: "logout")).isEmpty, "nothing to end before it starts")
        let started = SessionStarted(sessionID: "s-1", userID: "u-1", secretHash: SecretHash(of: "cookie"), expiresAt: Fixtures.now)
        try session.evolve(decided: try session.decide(.start(started)))
        #expect(throws: AggregateRefusal.self) { try session.decide(.start(started)) }
        let ended = try session.decide(.end(reason: "logout"))
        #expect(ended.count == 1)
        try session.evolve(decided: ended)
        #expect(try session.decide(.end(reason: "logout")).isEmpty)
    }

    @Test func aRememberedConsentGrowsAndIsRevokedOnce() throws {
        var consent = RememberedConsent()
        try consent.evolve(decided: try consent.decide(.remember(userID: "u", clientID: "c", scope: Scope(["openid"]), flowID: "f1")))
        #expect(try consent.decide(.remember(userID: "u", clientID: "c", scope: Scope(["openid"]), flowID: "f2")).isEmpty)
        try consent.evolve(decided: try consent.decide(.remember(userID: "u", clientID: "c", scope: Scope(["profile"]), flowID: "f3")))
        #expect(consent.scope == Scope(["openid", "profile"]))
        try consent.evolve(decided: try consent.decide(.revoke(userID: "u", clientID: "c")))
        #expect(consent.scope == nil)
        #expect(try consent.decide(.revoke(userID: "u", clientID: "c")).isEmpty)
    }
}
