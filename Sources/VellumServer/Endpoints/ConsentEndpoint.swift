import Foundation
import Hummingbird
import VellumCore
import VellumStore

/// The consent page: `GET /consent?flow=…` asks, `POST /consent` records the decision and sends
/// the browser back to the client with a code (or `access_denied`). Only the browser session that
/// logged in to the flow may answer for it.
struct ConsentEndpoint: Sendable {
    let server: AuthorizationServer

    func register(on router: Router<VellumRequestContext>) {
        router.get("consent") { request, context in try await show(request, context) }
        router.post("consent") { request, context in try await submit(request, context) }
    }

    private func show(_ request: Request, _ context: VellumRequestContext) async throws -> Response {
        guard let flowID = request.queryParameterList.value("flow"), AuthorizationServer.isFlowID(flowID) else {
            return server.expiredFlowPage()
        }
        switch try await pendingConsent(flowID, request) {
        case .failure(let error): return error.page
        case .success(let (state, client)):
            guard let nonce = request.cookie(server.csrfCookieName), let requested = state.request else {
                return server.errorPage("Cookies needed", "This browser did not keep Vellum's cookie. Allow cookies and start again.", status: .forbidden)
            }
            return Responses.page(server.pages.consent(.init(
                flow: flowID, csrfToken: server.csrf.token(browserNonce: nonce, flowID: flowID), clientName: client.name,
                username: state.authentication?.username ?? "",
                scopes: ScopeDescription.describe(requested.scope, clientName: client.name))),
                formTargets: [requested.redirectURI])
        }
    }

    private func submit(_ request: Request, _ context: VellumRequestContext) async throws -> Response {
        let form: RequestParameters
        do { form = try await request.formParameters() } catch let error as OAuthError {
            return server.errorPage("Invalid request", error.description, status: .badRequest)
        }
        guard let flowID = form.value("flow"), AuthorizationServer.isFlowID(flowID) else { return server.expiredFlowPage() }
        guard server.csrf.isValid(form.value("csrf_token"), browserNonce: request.cookie(server.csrfCookieName), flowID: flowID) else {
            return server.errorPage("Request refused", "The form was not sent from this browser's consent page. Start again from the application.", status: .forbidden)
        }
        guard case .success(let (state, _)) = try await pendingConsent(flowID, request),
              let requested = state.request, let user = state.authentication else { return server.expiredFlowPage() }
        let metadata = request.metadata(context: context, instance: server.configuration.instanceID, actor: .user(user.userID))

        let now = server.now
        switch form.value("decision") {
        case "switch_user":
            return try await switchUser(flowID: flowID, requested: requested, request: request, context: context)
        case "allow":
            let (code, commands) = server.grantAndIssueCode(remembered: false, now: now)
            let decision = try await server.execute(commands, on: flowID, metadata: metadata)
            guard case .accept = decision.decision else { return server.expiredFlowPage() }
            if form.value("remember") == "on" {
                try await server.rememberConsent(userID: user.userID, clientID: requested.clientID, scope: requested.scope,
                                                 flowID: flowID, metadata: metadata)
            }
            return Responses.redirect(to: server.codeRedirect(code, for: requested))
        case "deny":
            let decision = try await server.execute([.denyConsent(now: now)], on: flowID, metadata: metadata)
            guard case .accept = decision.decision else { return server.expiredFlowPage() }
            return Responses.redirect(to: server.errorRedirect(
                OAuthError(.accessDenied, "the user denied the request"), to: requested.redirectURI, state: requested.state))
        default:
            return server.errorPage("Invalid request", "Choose Allow or Deny.", status: .badRequest)
        }
    }

    /// "Not you?": ends this browser's session and starts the same authorization request afresh
    /// as a new flow, at the login page. The abandoned flow simply expires.
    private func switchUser(flowID: String, requested: AuthorizationRequested, request: Request,
                            context: VellumRequestContext) async throws -> Response {
        if let session = try await server.currentSession(request) {
            try await server.endSession(session, reason: "switch_user", request: request, context: context)
        }
        var restarted = requested
        restarted.expiresAt = server.now.adding(seconds: server.configuration.flowLifetime)
        let newFlow = TimeOrderedID.uuid(at: server.now)
        let metadata = request.metadata(context: context, instance: server.configuration.instanceID, actor: .client(requested.clientID))
        let (decision, _) = try await server.execute([.request(restarted)], on: newFlow, isNew: true, metadata: metadata)
        guard case .accept = decision else { return server.expiredFlowPage() }
        return Responses.redirect(to: "/login?flow=\(newFlow)", cookies: [server.clearedSessionCookie()])
    }

    /// The flow when it waits for consent and this browser's session is the one that logged in.
    private func pendingConsent(_ flowID: String, _ request: Request) async throws -> Result<(FlowState, RegisteredClient), PageAnswer> {
        let state = try await server.flowState(flowID)
        guard let requested = state.request, let user = state.authentication, state.consent == nil, !state.denied,
              !state.isExpired(at: server.now), let client = try await server.queries.client(requested.clientID) else {
            return .failure(PageAnswer(page: server.expiredFlowPage()))
        }
        guard let session = try await server.currentSession(request), session.record.sessionID == user.sessionID else {
            return .failure(PageAnswer(page: server.errorPage(
                "Sign-in needed", "This consent request belongs to another browser session. Start again from the application.",
                status: .forbidden)))
        }
        return .success((state, client))
    }
}

/// A page to answer with instead of the one asked for (the consent or sign-out page).
struct PageAnswer: Error {
    let page: Response
}
