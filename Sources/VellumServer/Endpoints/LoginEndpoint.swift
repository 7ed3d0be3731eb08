import Foundation
import Hummingbird
import VellumCore
import VellumStore

/// The login page: `GET /login?flow=…` shows it, `POST /login` checks the password, starts a
/// browser session and moves the flow on to consent. Every attempt is an event of the flow.
struct LoginEndpoint: Sendable {
    let server: AuthorizationServer

    func register(on router: Router<VellumRequestContext>) {
        router.get("login") { request, context in try await show(request, context) }
        router.post("login") { request, context in try await submit(request, context) }
    }

    /// The most a username or password may be, in UTF-8 bytes (bcrypt reads 72; the rest bounds work).
    static let maximumUsernameBytes = 256
    static let maximumPasswordBytes = 1024

    private func show(_ request: Request, _ context: VellumRequestContext) async throws -> Response {
        guard let flowID = request.queryParameterList.value("flow"), AuthorizationServer.isFlowID(flowID),
              let (state, client) = try await loginableFlow(flowID) else {
            return server.expiredFlowPage()
        }
        let (nonce, cookies) = server.csrfNonce(request)
        // Asked to sign in again while signed in (prompt=login, max_age): the page says why and
        // offers the signed-in user's name.
        let session = request.queryParameterList.value("reauthenticate") == nil ? nil : try await server.currentSession(request)
        let page = server.pages.login(.init(
            flow: flowID, csrfToken: server.csrf.token(browserNonce: nonce, flowID: flowID),
            clientName: client.name, username: session?.username ?? "",
            message: state.failedLogins > 0 ? "Wrong username or password." : nil, reauthenticate: session != nil))
        return Responses.page(page, cookies: cookies, formTargets: [state.request?.redirectURI].compactMap { $0 })
    }

    private func submit(_ request: Request, _ context: VellumRequestContext) async throws -> Response {
        let form: RequestParameters
        do { form = try await request.formParameters() } catch let error as OAuthError {
            return server.errorPage("Invalid request", error.description, status: .badRequest)
        }
        guard let flowID = form.value("flow"), AuthorizationServer.isFlowID(flowID) else { return server.expiredFlowPage() }
        guard server.csrf.isValid(form.value("csrf_token"), browserNonce: request.cookie(server.csrfCookieName), flowID: flowID) else {
            return server.errorPage("Request refused", "The form was not sent from this browser's sign-in page. Start again from the application.", status: .forbidden)
        }
        guard let (state, client) = try await loginableFlow(flowID), let requested = state.request else { return server.expiredFlowPage() }
        let formTargets = [requested.redirectURI]
        let username = form.value("username")?.trimmingCharacters(in: .whitespaces) ?? ""
        let password = form.value("password") ?? ""
        guard username.utf8.count <= Self.maximumUsernameBytes, password.utf8.count <= Self.maximumPasswordBytes else {
            return server.errorPage("Invalid request", "The username or password is too long.", status: .badRequest)
        }
        let now = server.now
        let reauthenticate = requested.prompt?.contains(.login) == true || requested.maxAge != nil
        func refuse(_ reason: String, retryAfter: Int64? = nil, message: String, status: HTTPResponse.Status) async throws -> Response {
            ServerMetrics.loginFailed(reason: reason)
            let metadata = request.metadata(context: context, instance: server.configuration.instanceID, actor: .system)
            let decision = try await server.execute(
                [.failAuthentication(AuthenticationFailed(username: username, reason: reason, retryAfter: retryAfter), now: now)],
                on: flowID, metadata: metadata)
            guard case .accept = decision.decision else { return server.expiredFlowPage() }
            let page = server.pages.login(.init(
                flow: flowID, csrfToken: form.value("csrf_token") ?? "", clientName: client.name,
                username: username, message: message, reauthenticate: reauthenticate))
            var response = Responses.page(page, status: status, formTargets: formTargets)
            if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
            return response
        }

        // Too many recent failures for this account (as typed, existing or not) or this address:
        // refused before bcrypt, with the same answer whoever the account is.
        let keys = [LoginThrottle.accountKey(username), context.clientIP.map(LoginThrottle.addressKey)].compactMap { $0 }
        let runs = try await server.queries.loginFailures(keys: keys)
        if let wait = [server.accountThrottle.wait(after: runs[keys[0]], now: now),
                       keys.count > 1 ? server.addressThrottle.wait(after: runs[keys[1]], now: now) : nil].compactMap({ $0 }).max() {
            return try await refuse(AuthenticationFailed.throttled, retryAfter: wait,
                                    message: "Too many sign-in attempts. Wait \(wait) second\(wait == 1 ? "" : "s") and try again.",
                                    status: .tooManyRequests)
        }

        let user = username.isEmpty ? nil : try await server.queries.user(named: username)
        let passwordMatches: Bool
        do {
            passwordMatches = try await server.verifyPassword(password, hash: user?.passwordHash)
        } catch is WorkLimiter.Overloaded {
            var busy = server.errorPage("Busy", "Too many people are signing in right now. Try again in a moment.",
                                        status: .serviceUnavailable)
            busy.headers[.retryAfter] = "1"
            return busy
        }

        guard let user, passwordMatches, !user.disabled else {
            let reason = user == nil ? "unknown_user" : (user!.disabled ? "user_disabled" : "wrong_password")
            return try await refuse(reason, message: "Wrong username or password.", status: .unauthorized)
        }

        let metadata = request.metadata(context: context, instance: server.configuration.instanceID, actor: .user(user.userID))
        let secret = SecretGenerator.generate()
        let sessionID = TimeOrderedID.uuid(at: server.now)
        var commands: [FlowCommand] = [.authenticate(UserAuthenticated(
            userID: user.userID, username: user.username, method: "password", sessionID: sessionID, authTime: now), now: now)]
        var next = "/consent?flow=\(flowID)"
        let remembered = try await server.hasRememberedConsent(userID: user.userID, clientID: requested.clientID, scope: requested.scope)
        if FrontChannel.afterLogin(requested, consentRemembered: remembered) == .issueCode {
            let grant = server.grantAndIssueCode(remembered: true, now: now)
            commands += grant.commands
            next = server.codeRedirect(grant.code, for: requested)
        }
        try await server.store.execute(.start(SessionStarted(
            sessionID: sessionID, userID: user.userID, secretHash: SecretHash(of: secret),
            expiresAt: now.adding(seconds: server.configuration.sessionLifetime))),
            on: Session.streamID(sessionID), as: Session.self, metadata: metadata)
        // The password was right, so the session stands even if this flow has meanwhile taken
        // another login or expired; the flow then refuses, and names only a session that exists.
        let (decision, _) = try await server.execute(commands, on: flowID, metadata: metadata)
        guard case .accept = decision else { return server.expiredFlowPage() }
        return Responses.redirect(to: next, cookies: [server.sessionCookie(secret)])
    }

    /// The flow and its client, when the flow still waits for a login and has not expired.
    private func loginableFlow(_ flowID: String) async throws -> (FlowState, RegisteredClient)? {
        let state = try await server.flowState(flowID)
        guard let request = state.request, state.authentication == nil, state.consent == nil, !state.denied,
              state.failedLogins < Flow.maximumFailedLogins, !state.isExpired(at: server.now),
              let client = try await server.queries.client(request.clientID) else { return nil }
        return (state, client)
    }
}

extension AuthorizationServer {
    /// An error page with the security headers.
    func errorPage(_ title: String, _ message: String, status: HTTPResponse.Status) -> Response {
        Responses.page(pages.error(.init(title: title, message: message)), status: status)
    }

    /// The page for a flow that is unknown, finished, or no longer at this step.
    func expiredFlowPage() -> Response {
        errorPage("This link has expired", "This sign-in request is no longer valid. Go back to the application and start again.",
                  status: .badRequest)
    }
}
