import Foundation
import Hummingbird
import VellumCore
import VellumStore

/// `GET /authorize` (RFC 6749 §4.1.1): validates the request, starts a flow, and sends the
/// browser to the login page, or straight to consent when its session is still good.
struct AuthorizeEndpoint: Sendable {
    let server: AuthorizationServer

    func register(on router: Router<VellumRequestContext>) {
        router.get("authorize") { request, context in try await handle(request, context) }
    }

    func handle(_ request: Request, _ context: VellumRequestContext) async throws -> Response {
        let parameters = request.queryParameterList
        // The client, the browser's session and the consent its user remembered: one statement.
        let read = try await parameters.value("client_id").asyncFlatMap {
            try await server.queries.authorizeRead(clientID: $0, sessionHash: server.sessionCookieHash(request))
        }
        let client = read?.client
        let outcome = AuthorizationRequestValidation.validate(parameters, client: client)

        switch outcome {
        case .errorPage(let message):
            return Responses.page(server.pages.error(.init(title: "Invalid request", message: message)), status: .badRequest)
        case .redirectError(let error, let redirectURI, let state):
            return Responses.redirect(to: server.errorRedirect(error, to: redirectURI, state: state))
        case .valid(var requested):
            guard let client else { return Responses.page("", status: .badRequest) }
            let now = server.now
            requested.expiresAt = now.adding(seconds: server.configuration.flowLifetime)
            let flowID = TimeOrderedID.uuid(at: now)
            var commands: [FlowCommand] = [.request(requested)]
            let session = server.activeSession(read?.session)
            let remembered = session != nil && AuthorizationServer.remembered(read?.rememberedScope, covers: requested.scope)
            let login = session.map { FrontChannel.SessionLogin(userID: $0.record.userID, authTime: $0.authTime) }

            var next: String
            let step = FrontChannel.afterRequest(requested, session: login, consentRemembered: remembered, now: now)
            switch step {
            case .error(let error):
                // prompt=none needing a page: nothing to record, the client hears why (OIDC Core §3.1.2.6).
                return Responses.redirect(to: server.errorRedirect(error, to: requested.redirectURI, state: requested.state))
            case .login(let reauthenticate):
                next = "/login?flow=\(flowID)" + (reauthenticate ? "&reauthenticate=1" : "")
            case .consent, .issueCode:
                // A browser that is still signed in, recently enough: the flow records the session as
                // its login, and a remembered consent that covers the scope answers for the user.
                guard let session else { return server.expiredFlowPage() }
                commands.append(.authenticate(UserAuthenticated(
                    userID: session.record.userID, username: session.username, method: "session",
                    sessionID: session.record.sessionID, authTime: session.authTime), now: now))
                next = "/consent?flow=\(flowID)"
                if step == .issueCode {
                    let grant = server.grantAndIssueCode(remembered: true, now: now)
                    commands += grant.commands
                    next = server.codeRedirect(grant.code, for: requested)
                }
            }
            let metadata = request.metadata(context: context, instance: server.configuration.instanceID, actor: .client(client.clientID))
            let (decision, _) = try await server.execute(commands, on: flowID, isNew: true, metadata: metadata)
            guard case .accept = decision else { return server.expiredFlowPage() }
            var cookies: [Cookie] = []
            if request.cookie(server.csrfCookieName) == nil { cookies.append(server.csrfCookie()) }
            return Responses.redirect(to: next, cookies: cookies)
        }
    }
}

extension Optional {
    /// `flatMap` with an asynchronous, throwing transform.
    func asyncFlatMap<U>(_ transform: (Wrapped) async throws -> U?) async rethrows -> U? {
        guard let self else { return nil }
        return try await transform(self)
    }
}

extension AuthorizationServer {
    /// The redirect carrying an authorization error (RFC 6749 §4.1.2.1, RFC 9207 `iss`).
    func errorRedirect(_ error: OAuthError, to redirectURI: String, state: String?) -> String {
        var parameters = [("error", error.code.rawValue), ("error_description", error.description)]
        if let state { parameters.append(("state", state)) }
        parameters.append(("iss", configuration.issuer))
        return RedirectURI.appending(parameters, to: redirectURI)
    }

    /// The browser's CSRF nonce, and the cookie to set when it has none yet.
    func csrfNonce(_ request: Request) -> (nonce: String, cookies: [Cookie]) {
        if let nonce = request.cookie(csrfCookieName) { return (nonce, []) }
        let cookie = csrfCookie()
        return (cookie.value, [cookie])
    }

    /// A fresh CSRF cookie for the browser.
    func csrfCookie() -> Cookie {
        Cookie(name: csrfCookieName, value: SecretGenerator.generate(), path: "/",
               secure: configuration.usesHTTPS, httpOnly: true, sameSite: .lax)
    }
}
