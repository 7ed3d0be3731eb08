import VellumCore
import VellumStore

extension AuthorizationServer {
    /// The commands that grant consent and issue a code, and the code itself (in clear: it goes
    /// only into the redirect).
    func grantAndIssueCode(remembered: Bool, now: Timestamp) -> (code: String, commands: [FlowCommand]) {
        let code = SecretGenerator.generate()
        return (code, [
            .grantConsent(remembered: remembered, now: now),
            .issueCode(codeHash: SecretHash(of: code), now: now, lifetime: configuration.codeLifetime),
        ])
    }

    /// The redirect carrying `code` back to the client (RFC 6749 §4.1.2, RFC 9207 `iss`).
    func codeRedirect(_ code: String, for request: AuthorizationRequested) -> String {
        var parameters = [("code", code)]
        if let state = request.state { parameters.append(("state", state)) }
        parameters.append(("iss", configuration.issuer))
        return RedirectURI.appending(parameters, to: request.redirectURI)
    }

    /// Whether `userID` asked Vellum to remember a consent to `clientID` that covers `scope`.
    func hasRememberedConsent(userID: String, clientID: String, scope: Scope) async throws -> Bool {
        guard let remembered = try await queries.rememberedConsent(userID: userID, clientID: clientID) else { return false }
        return scope.isSubset(of: remembered)
    }

    /// Records that the user asked to remember this consent (adding to what was remembered before).
    func rememberConsent(userID: String, clientID: String, scope: Scope, flowID: String, metadata: EventMetadata) async throws {
        let metadataJSON = try EventJSON.encodeValue(metadata)
        try await store.update(RememberedConsent.streamID(userID: userID, clientID: clientID)) { history -> StreamDecision<Void> in
            var consent = RememberedConsent()
            for event in history {
                switch event.type {
                case ConsentRemembered.type: consent.evolve(remembered: try EventJSON.decode(ConsentRemembered.self, from: event.payload))
                case ConsentRevoked.type: consent.evolve(revoked: try EventJSON.decode(ConsentRevoked.self, from: event.payload))
                default: break
                }
            }
            let union = Scope((consent.scope?.tokens ?? []) + scope.tokens)
            guard consent.scope != union else { return StreamDecision(events: [], result: ()) }
            return StreamDecision(events: [ProposedEvent(
                type: ConsentRemembered.type,
                payload: try EventJSON.encode(ConsentRemembered(userID: userID, clientID: clientID, scope: union, flowID: flowID)),
                metadata: metadataJSON)], result: ())
        }
    }
}
