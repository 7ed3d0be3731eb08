/// Where the browser goes next in a flow (OpenID Connect Core §3.1.2.1–§3.1.2.6): the pure
/// decision behind `/authorize`, `/login` and `/consent`.
public enum FrontChannel {
    /// The next step for the browser.
    public enum Step: Sendable, Equatable {
        /// Show the login page; `reauthenticate` when a live session is not enough (`prompt=login`,
        /// `max_age`), so the page asks the user to confirm it is them.
        case login(reauthenticate: Bool)
        /// Show the consent page.
        case consent
        /// Consent is remembered and covers the request: grant it and issue the code.
        case issueCode
        /// Redirect this error to the client (`prompt=none` needing a page).
        case error(OAuthError)
    }

    /// A browser session's login: who, and when they last entered their password.
    public struct SessionLogin: Sendable, Equatable {
        public var userID: String
        public var authTime: Timestamp
        public init(userID: String, authTime: Timestamp) {
            self.userID = userID
            self.authTime = authTime
        }
    }

    /// Whether a session's login satisfies `request` at `now`: not with `prompt=login` (or
    /// `select_account`), nor once it is older than `max_age` (`max_age=0`: never).
    public static func sessionSatisfies(_ request: AuthorizationRequested, _ session: SessionLogin, now: Timestamp) -> Bool {
        let prompt = request.prompt ?? []
        if prompt.contains(.login) || prompt.contains(.selectAccount) { return false }
        if let maxAge = request.maxAge {
            return maxAge > 0 && now.microsecondsSinceEpoch - session.authTime.microsecondsSinceEpoch <= maxAge * 1_000_000
        }
        return true
    }

    /// The step at `/authorize`, given the browser's session (nil: none) and whether that user
    /// has a remembered consent covering the request.
    public static func afterRequest(_ request: AuthorizationRequested, session: SessionLogin?, consentRemembered: Bool,
                                    now: Timestamp) -> Step {
        let prompt = request.prompt ?? []
        guard let session, sessionSatisfies(request, session, now: now) else {
            if prompt.contains(.none) { return .error(OAuthError(.loginRequired, "the user must sign in")) }
            return .login(reauthenticate: session != nil)
        }
        return afterLogin(request, consentRemembered: consentRemembered)
    }

    /// The step once the user is authenticated: remembered consent answers unless `prompt=consent`.
    public static func afterLogin(_ request: AuthorizationRequested, consentRemembered: Bool) -> Step {
        let prompt = request.prompt ?? []
        if consentRemembered && !prompt.contains(.consent) { return .issueCode }
        if prompt.contains(.none) { return .error(OAuthError(.consentRequired, "the user must consent")) }
        return .consent
    }
}
