import Hummingbird
import VellumCore
import VellumStore

/// `GET /logout`: ends the browser's session (`SessionEnded`) and clears its cookie. Tokens
/// already issued stay valid until they expire or are revoked.
struct LogoutEndpoint: Sendable {
    let server: AuthorizationServer

    func register(on router: Router<VellumRequestContext>) {
        router.get("logout") { request, context in
            if let session = try await server.currentSession(request) {
                let metadata = request.metadata(context: context, instance: server.configuration.instanceID,
                                                actor: .user(session.record.userID))
                let stream = "session-\(session.record.sessionID)"
                let metadataJSON = try EventJSON.encodeValue(metadata)
                try await server.store.update(stream) { history -> StreamDecision<Void> in
                    guard !history.contains(where: { $0.type == SessionEnded.type }) else { return StreamDecision(events: [], result: ()) }
                    return StreamDecision(events: [ProposedEvent(
                        type: SessionEnded.type,
                        payload: try EventJSON.encode(SessionEnded(sessionID: session.record.sessionID, reason: "logout")),
                        metadata: metadataJSON)], result: ())
                }
            }
            var cleared = server.sessionCookie("")
            cleared = Cookie(name: cleared.name, value: "", maxAge: 0, path: "/", secure: server.configuration.usesHTTPS,
                             httpOnly: true, sameSite: .lax)
            return Responses.page(server.pages.error(.init(title: "Signed out", message: "You are signed out of Vellum.")),
                                  cookies: [cleared])
        }
    }
}
