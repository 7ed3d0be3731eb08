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

    private func show(_ request: Request, _ context: VellumRequestContext) async throws -> Response {
        guard let flowID = request.queryParameterList.value("flow"), AuthorizationServer.isFlowID(flowID),
              let (state, client) = try await loginableFlow(flowID) else {
            return server.expiredFlowPage()
        }
        var cookies: [Cookie] = []
        var nonce = request.cookie(CSRFProtection.cookieName)
        if nonce == nil {
            let cookie = server.csrfCookie()
            cookies.append(cookie)
            nonce = cookie.value
        }
        let page = server.pages.login(.init(
            flow: flowID, csrfToken: server.csrf.token(browserNonce: nonce ?? "", flowID: flowID),
            clientName: client.name, username: "", message: state.failedLogins > 0 ? "Wrong username or password." : nil))
        return Responses.page(page, cookies: cookies)
    }

    private func submit(_ request: Request, _ context: VellumRequestContext) async throws -> Response {
        let form: RequestParameters
        do { form = try await request.formParameters() } catch let error as OAuthError {
            return server.errorPage("Invalid request", error.description, status: .badRequest)
        }
        guard let flowID = form.value("flow"), AuthorizationServer.isFlowID(flowID) else { return server.expiredFlowPage() }
        guard server.csrf.isValid(form.value("csrf_token"), browserNonce: request.cookie(CSRFProtection.cookieName), flowID: flowID) else {
            return server.errorPage("Request refused", "The form was not sent from this browser's sign-in page. Start again from the application.", status: .forbidden)
        }
        guard let (state, client) = try await loginableFlow(flowID) else { return server.expiredFlowPage() }
        let username = form.value("username")?.trimmingCharacters(in: .whitespaces) ?? ""
        let password = form.value("password") ?? ""
        let user = username.isEmpty ? nil : try await server.queries.user(named: username)
        let passwordMatches = try await server.verifyPassword(password, hash: user?.passwordHash)

        guard let user, passwordMatches, !user.disabled else {
            let reason = user == nil ? "unknown_user" : (user!.disabled ? "user_disabled" : "wrong_password")
            let metadata = request.metadata(context: context, instance: server.configuration.instanceID, actor: .system)
            let decision = try await server.execute(
                [.failAuthentication(AuthenticationFailed(username: String(username.prefix(256)), reason: reason))],
                on: flowID, metadata: metadata)
            guard case .accept = decision.decision else { return server.expiredFlowPage() }
            let page = server.pages.login(.init(
                flow: flowID, csrfToken: form.value("csrf_token") ?? "", clientName: client.name,
                username: username, message: "Wrong username or password."))
            return Responses.page(page, status: .unauthorized)
        }

        let metadata = request.metadata(context: context, instance: server.configuration.instanceID, actor: .user(user.userID))
        let secret = SecretGenerator.generate()
        let sessionID = UUID().uuidString.lowercased()
        let now = server.now
        try await server.store.append(to: "session-\(sessionID)", expected: .noStream, events: [ProposedEvent(
            type: SessionStarted.type,
            payload: try EventJSON.encode(SessionStarted(
                sessionID: sessionID, userID: user.userID, secretHash: SecretHash(of: secret),
                expiresAt: now.adding(seconds: server.configuration.sessionLifetime))),
            metadata: try EventJSON.encodeValue(metadata))])
        var commands: [FlowCommand] = [.authenticate(UserAuthenticated(
            userID: user.userID, username: user.username, method: "password", sessionID: sessionID, authTime: now))]
        var next = "/consent?flow=\(flowID)"
        if let requested = state.request,
           try await server.hasRememberedConsent(userID: user.userID, clientID: requested.clientID, scope: requested.scope) {
            let grant = server.grantAndIssueCode(remembered: true)
            commands += grant.commands
            next = server.codeRedirect(grant.code, for: requested)
        }
        let decision = try await server.execute(commands, on: flowID, metadata: metadata)
        guard case .accept = decision.decision else { return server.expiredFlowPage() }
        return Responses.redirect(to: next, cookies: [server.sessionCookie(secret)])
    }

    /// The flow and its client, when the flow still waits for a login.
    private func loginableFlow(_ flowID: String) async throws -> (FlowState, RegisteredClient)? {
        let state = try await server.flowState(flowID)
        guard let request = state.request, state.authentication == nil, state.consent == nil, !state.denied,
              state.failedLogins < Flow.maximumFailedLogins,
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
