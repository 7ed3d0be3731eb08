import Testing
import VellumCore

@Suite("Refresh tokens: rotation and reuse (RFC 6749 §6, RFC 9700 §4.14)")
struct RefreshTests {
    static let idle: Int64 = 3600
    static let absolute: Int64 = 86400

    /// A flow whose code was redeemed with refresh token "r0".
    static func flowWithRefreshToken() -> FlowState {
        var state = Fixtures.flowWithCode()
        var redemption = Fixtures.redemption()
        redemption.refreshToken = RefreshIssue(hash: SecretHash(of: "r0"), idleLifetime: idle, absoluteLifetime: absolute)
        Flow.decide(state, .redeemCode(redemption)).events.forEach { state.evolve($0) }
        return state
    }

    static func refresh(_ presented: String, successor: String, at seconds: Int64 = 10, client: String = "app",
                        scope: Scope? = nil, grace: Int64 = 0) -> FlowCommand {
        .refresh(TokenRefresh(
            family: "flow-1", presentedHash: SecretHash(of: presented), clientID: client, requestedScope: scope,
            now: Fixtures.now.adding(seconds: seconds), accessTokenID: "jti-\(successor)", accessTokenLifetime: 300,
            successor: RefreshIssue(hash: SecretHash(of: successor), idleLifetime: idle, absoluteLifetime: absolute),
            reuseGrace: grace, issueIDToken: false))
    }

    @Test func rotationKillsTheOldTokenAndIssuesASuccessor() {
        var state = Self.flowWithRefreshToken()
        #expect(state.liveRefreshTokenHashes == [SecretHash(of: "r0")])
        let decision = Flow.decide(state, Self.refresh("r0", successor: "r1"))
        guard case .accept(let events) = decision else { Issue.record("\(decision)"); return }
        #expect(events.count == 2)
        guard case .refreshRotated(let rotated) = events[0], case .tokensIssued(let issued) = events[1] else {
            Issue.record("unexpected events \(events)"); return
        }
        #expect(rotated.previousHash == SecretHash(of: "r0"))
        #expect(!rotated.retry)
        #expect(issued.grantType == "refresh_token")
        #expect(issued.refreshToken?.hash == SecretHash(of: "r1"))
        #expect(issued.refreshToken?.familyExpiresAt == Fixtures.now.adding(seconds: 5 + Self.absolute))
        events.forEach { state.evolve($0) }
        #expect(state.liveRefreshTokenHashes == [SecretHash(of: "r1")])
        #expect(state.refreshTokens[0].successor == SecretHash(of: "r1"))
    }

    @Test func reusingARotatedTokenRevokesTheWholeFamily() {
        var state = Self.flowWithRefreshToken()
        Flow.decide(state, Self.refresh("r0", successor: "r1")).events.forEach { state.evolve($0) }
        let decision = Flow.decide(state, Self.refresh("r0", successor: "r2", at: 20))
        guard case .reject(let events, let error) = decision else { Issue.record("\(decision)"); return }
        #expect(error.code == .invalidGrant)
        #expect(events == [
            .refreshReuseDetected(RefreshTokenReuseDetected(presentedHash: SecretHash(of: "r0"), clientID: "app", family: "flow-1")),
            .tokensRevoked(TokensRevoked(accessTokenIDs: ["jti-1", "jti-r1"], refreshTokenHashes: [SecretHash(of: "r1")],
                                         reason: "refresh_reuse")),
        ])
        events.forEach { state.evolve($0) }
        #expect(state.liveRefreshTokenHashes.isEmpty)
        #expect(state.liveAccessTokenIDs.isEmpty)
        // The successor is dead too.
        #expect(Flow.decide(state, Self.refresh("r1", successor: "r3", at: 30)).events.first
                == .refreshRejected(RefreshTokenRejected(presentedHash: SecretHash(of: "r1"), clientID: "app", reason: "revoked")))
    }

    @Test func aRetryWithinTheGraceWindowRotatesAgainAndRevokesTheUnusedSuccessor() {
        var state = Self.flowWithRefreshToken()
        Flow.decide(state, Self.refresh("r0", successor: "r1", grace: 30)).events.forEach { state.evolve($0) }
        let retry = Flow.decide(state, Self.refresh("r0", successor: "r2", at: 25, grace: 30))
        guard case .accept(let events) = retry else { Issue.record("\(retry)"); return }
        #expect(events.first == .tokensRevoked(TokensRevoked(accessTokenIDs: [], refreshTokenHashes: [SecretHash(of: "r1")],
                                                             reason: "superseded_by_retry")))
        events.forEach { state.evolve($0) }
        #expect(state.liveRefreshTokenHashes == [SecretHash(of: "r2")])
        // Past the window, or once the successor was used, it is reuse again.
        let late = Flow.decide(state, Self.refresh("r0", successor: "r3", at: 100, grace: 30))
        #expect(late.events.first.map { if case .refreshReuseDetected = $0 { true } else { false } } == true)
    }

    @Test func expiredWrongClientAndWiderScopeAreRejectedWithTheirReasons() {
        let state = Self.flowWithRefreshToken()
        func reason(_ command: FlowCommand) -> String? {
            if case .reject(let events, _) = Flow.decide(state, command), case .refreshRejected(let rejected) = events.first {
                return rejected.reason
            }
            return nil
        }
        #expect(reason(Self.refresh("r0", successor: "r1", at: Self.idle + 10)) == "expired")
        #expect(reason(Self.refresh("r0", successor: "r1", client: "other")) == "wrong_client")
        #expect(reason(Self.refresh("r0", successor: "r1", scope: Scope(["openid", "admin"]))) == "invalid_scope")
        guard case .accept(let events) = Flow.decide(state, Self.refresh("r0", successor: "r1", scope: Scope(["openid"]))),
              case .tokensIssued(let narrowed) = events.last else { Issue.record("narrowing should work"); return }
        #expect(narrowed.scope == Scope(["openid"]))
        #expect(Flow.decide(state, Self.refresh("unknown", successor: "r1")) == .refuse(.invalidGrant("the refresh token is invalid")))
    }

    @Test func noTokenOutlivesTheFamilysAbsoluteLifetime() {
        var state = Self.flowWithRefreshToken()
        var presented = "r0"
        var at: Int64 = 0
        // Rotate every 50 minutes (within the idle limit) until the absolute limit is near.
        for step in 1...27 {
            at += 3000
            let decision = Flow.decide(state, Self.refresh(presented, successor: "r\(step)", at: at))
            decision.events.forEach { state.evolve($0) }
            presented = "r\(step)"
        }
        let last = state.refreshTokens.last!
        #expect(last.expiresAt <= last.familyExpiresAt)
        #expect(last.familyExpiresAt == Fixtures.now.adding(seconds: 5 + Self.absolute))
        #expect(Flow.decide(state, Self.refresh(presented, successor: "late", at: Self.absolute + 10)).events.first
                == .refreshRejected(RefreshTokenRejected(presentedHash: SecretHash(of: presented), clientID: "app", reason: "expired")))
    }

    @Test func revokeAllAndRevokeOneAccessToken() {
        var state = Self.flowWithRefreshToken()
        #expect(Flow.decide(state, .revokeAccessToken(id: "jti-1", reason: "client_request")).events
                == [.tokensRevoked(TokensRevoked(accessTokenIDs: ["jti-1"], reason: "client_request"))])
        #expect(Flow.decide(state, .revokeAccessToken(id: "nope", reason: "client_request")) == .accept([]))
        let all = Flow.decide(state, .revokeAll(reason: "consent_revoked"))
        all.events.forEach { state.evolve($0) }
        #expect(state.liveAccessTokenIDs.isEmpty && state.liveRefreshTokenHashes.isEmpty)
        #expect(Flow.decide(state, .revokeAll(reason: "again")) == .accept([]))
    }
}
