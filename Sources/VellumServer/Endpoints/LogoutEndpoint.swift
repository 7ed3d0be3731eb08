import Hummingbird
import VellumCore
import VellumStore

/// Sign-out (OpenID Connect RP-Initiated Logout 1.0). `GET /logout` only asks: it shows a
/// confirmation page, so that a link or an image on another site cannot sign the user out.
/// `POST /logout`, from that page (CSRF-checked), ends the browser's session (`SessionEnded`),
/// clears its cookie and, when the request named a `post_logout_redirect_uri` registered for the
/// client that `id_token_hint` (or `client_id`) names, returns the browser there with `state`.
/// Tokens already issued stay valid until they expire or are revoked.
struct LogoutEndpoint: Sendable {
    let server: AuthorizationServer

    /// What a logout request asked for, once checked.
    private struct LogoutRequest {
        var client: RegisteredClient?
        var postLogoutRedirectURI: String?
        var idTokenHint: String?
        var state: String?
    }

    func register(on router: Router<VellumRequestContext>) {
        router.get("logout") { request, context in try await confirm(request, context) }
        router.post("logout") { request, context in try await logOut(request, context) }
    }

    private func confirm(_ request: Request, _ context: VellumRequestContext) async throws -> Response {
        let logout: LogoutRequest
        switch try await validate(request.queryParameterList) {
        case .success(let checked): logout = checked
        case .failure(let page): return page.page
        }
        let (nonce, cookies) = server.csrfNonce(request)
        let session = try await server.currentSession(request)
        let page = server.pages.logout(.init(
            csrfToken: server.csrf.token(browserNonce: nonce, flowID: Self.csrfPurpose), username: session?.username ?? "",
            clientName: logout.client?.name ?? "", idTokenHint: logout.idTokenHint ?? "",
            postLogoutRedirectURI: logout.postLogoutRedirectURI ?? "", state: logout.state ?? ""))
        return Responses.page(page, cookies: cookies, formTargets: [logout.postLogoutRedirectURI].compactMap { $0 })
    }

    private func logOut(_ request: Request, _ context: VellumRequestContext) async throws -> Response {
        let form: RequestParameters
        do { form = try await request.formParameters() } catch let error as OAuthError {
            return server.errorPage("Invalid request", error.description, status: .badRequest)
        }
        guard server.csrf.isValid(form.value("csrf_token"), browserNonce: request.cookie(server.csrfCookieName), flowID: Self.csrfPurpose) else {
            return server.errorPage("Request refused", "The sign-out was not confirmed on this browser's sign-out page.", status: .forbidden)
        }
        let logout: LogoutRequest
        switch try await validate(form) {
        case .success(let checked): logout = checked
        case .failure(let page): return page.page
        }
        guard form.value("decision") == "logout" else {
            return Responses.page(server.pages.loggedOut(.init(title: "You are still signed in", message: "Nothing was changed.")))
        }
        if let session = try await server.currentSession(request) {
            try await server.endSession(session, reason: "logout", request: request, context: context)
        }
        if let target = logout.postLogoutRedirectURI {
            let parameters = logout.state.map { [("state", $0)] } ?? []
            return Responses.redirect(to: RedirectURI.appending(parameters, to: target), cookies: [server.clearedSessionCookie()])
        }
        return Responses.page(server.pages.loggedOut(.init(title: "You have signed out", message: "You are signed out of Vellum.")),
                              cookies: [server.clearedSessionCookie()])
    }

    /// What the CSRF token of the sign-out form is bound to (the login forms bind a flow id).
    private static let csrfPurpose = "logout"

    /// Checks `id_token_hint`, `client_id` and `post_logout_redirect_uri`: a redirect is allowed only
    /// to a URI registered for the client the request names; otherwise an error page, never a redirect.
    private func validate(_ parameters: RequestParameters) async throws -> Result<LogoutRequest, PageAnswer> {
        var logout = LogoutRequest(idTokenHint: parameters.value("id_token_hint"), state: parameters.value("state"))
        var clientID = parameters.value("client_id")
        if let hint = logout.idTokenHint {
            // An expired ID token is still a good hint (RP-Initiated Logout §2); a forged one is not.
            guard let claims = await server.keys.verify(hint, as: IDTokenClaims.self), claims.iss == server.configuration.issuer else {
                return .failure(PageAnswer(page: server.errorPage(
                    "Invalid request", "The id_token_hint was not issued by this server.", status: .badRequest)))
            }
            if let clientID, clientID != claims.aud {
                return .failure(PageAnswer(page: server.errorPage(
                    "Invalid request", "client_id does not match the id_token_hint.", status: .badRequest)))
            }
            clientID = claims.aud
        }
        logout.client = try await clientID.asyncFlatMap { try await server.queries.client($0) }
        if let target = parameters.value("post_logout_redirect_uri") {
            guard let client = logout.client, client.postLogoutRedirectURIs.contains(target) else {
                return .failure(PageAnswer(page: server.errorPage(
                    "Invalid request", "The post_logout_redirect_uri is not registered for this application.", status: .badRequest)))
            }
            logout.postLogoutRedirectURI = target
        }
        return .success(logout)
    }
}

extension AuthorizationServer {
    /// Records that the browser session ended (once), with `reason`.
    func endSession(_ session: BrowserSession, reason: String, request: Request, context: VellumRequestContext) async throws {
        let metadata = request.metadata(context: context, instance: configuration.instanceID, actor: .user(session.record.userID))
        try await store.execute(.end(reason: reason), on: Session.streamID(session.record.sessionID), as: Session.self, metadata: metadata)
    }

    /// A cookie that deletes the session cookie.
    func clearedSessionCookie() -> Cookie {
        Cookie(name: sessionCookieName, value: "", maxAge: 0, path: "/", secure: configuration.usesHTTPS, httpOnly: true, sameSite: .lax)
    }
}
