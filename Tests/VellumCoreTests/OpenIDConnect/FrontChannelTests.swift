import Testing
import VellumCore

@Suite("OpenID Connect re-authentication and prompt (Core §3.1.2.1, §3.1.2.6)")
struct FrontChannelTests {
    private static func request(prompt: [Prompt]? = nil, maxAge: Int64? = nil) -> AuthorizationRequested {
        var request = Fixtures.request()
        request.prompt = prompt
        request.maxAge = maxAge
        return request
    }

    /// A session whose password was entered `age` seconds before `Fixtures.now`.
    private static func session(age: Int64) -> FrontChannel.SessionLogin {
        FrontChannel.SessionLogin(userID: "u-1", authTime: Fixtures.now.adding(seconds: -age))
    }

    @Test func aLiveSessionSkipsTheLoginAndARememberedConsentSkipsTheConsent() {
        #expect(FrontChannel.afterRequest(Self.request(), session: Self.session(age: 30), consentRemembered: false, now: Fixtures.now) == .consent)
        #expect(FrontChannel.afterRequest(Self.request(), session: Self.session(age: 30), consentRemembered: true, now: Fixtures.now) == .issueCode)
        #expect(FrontChannel.afterRequest(Self.request(), session: nil, consentRemembered: true, now: Fixtures.now) == .login(reauthenticate: false))
    }

    @Test func promptLoginForcesThePasswordEvenWithALiveSession() {
        #expect(FrontChannel.afterRequest(Self.request(prompt: [.login]), session: Self.session(age: 1), consentRemembered: true,
                                          now: Fixtures.now) == .login(reauthenticate: true))
        #expect(FrontChannel.afterRequest(Self.request(prompt: [.selectAccount]), session: Self.session(age: 1), consentRemembered: true,
                                          now: Fixtures.now) == .login(reauthenticate: true))
    }

    @Test func maxAgeForcesThePasswordOnceTheLoginIsOlder() {
        let fresh = FrontChannel.afterRequest(Self.request(maxAge: 300), session: Self.session(age: 300), consentRemembered: false, now: Fixtures.now)
        #expect(fresh == .consent)
        let old = FrontChannel.afterRequest(Self.request(maxAge: 300), session: Self.session(age: 301), consentRemembered: false, now: Fixtures.now)
        #expect(old == .login(reauthenticate: true))
        // max_age=0: a login is never recent enough (the same as prompt=login).
        let zero = FrontChannel.afterRequest(Self.request(maxAge: 0), session: Self.session(age: 0), consentRemembered: false, now: Fixtures.now)
        #expect(zero == .login(reauthenticate: true))
    }

    @Test func promptNoneNeverShowsAPage() {
        let none = Self.request(prompt: [Prompt.none])
        #expect(FrontChannel.afterRequest(none, session: nil, consentRemembered: false, now: Fixtures.now)
                == .error(OAuthError(.loginRequired, "the user must sign in")))
        #expect(FrontChannel.afterRequest(none, session: Self.session(age: 10), consentRemembered: false, now: Fixtures.now)
                == .error(OAuthError(.consentRequired, "the user must consent")))
        #expect(FrontChannel.afterRequest(none, session: Self.session(age: 10), consentRemembered: true, now: Fixtures.now) == .issueCode)
        var tooOld = none
        tooOld.maxAge = 5
        #expect(FrontChannel.afterRequest(tooOld, session: Self.session(age: 10), consentRemembered: true, now: Fixtures.now)
                == .error(OAuthError(.loginRequired, "the user must sign in")))
    }

    @Test func promptConsentAsksEvenWhenRemembered() {
        #expect(FrontChannel.afterRequest(Self.request(prompt: [.consent]), session: Self.session(age: 10), consentRemembered: true,
                                          now: Fixtures.now) == .consent)
        #expect(FrontChannel.afterLogin(Self.request(prompt: [.consent]), consentRemembered: true) == .consent)
        #expect(FrontChannel.afterLogin(Self.request(), consentRemembered: true) == .issueCode)
    }

    @Test func promptValuesAreParsedStrictly() throws {
        #expect(try Prompt.parse("login consent") == [.consent, .login])
        #expect(throws: OAuthError.self) { try Prompt.parse("none login") }
        #expect(throws: OAuthError.self) { try Prompt.parse("sometimes") }
    }
}
