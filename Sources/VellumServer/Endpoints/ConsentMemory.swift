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
        Self.remembered(try await queries.rememberedConsent(userID: userID, clientID: clientID), covers: scope)
    }

    /// Whether the `remembered` scope (nil: none) covers a request for `scope`.
    static func remembered(_ remembered: Scope?, covers scope: Scope) -> Bool {
        remembered.map { scope.isSubset(of: $0) } ?? false
    }

    /// Records that the user asked to remember this consent (adding to what was remembered before).
    func rememberConsent(userID: String, clientID: String, scope: Scope, flowID: String, metadata: EventMetadata) async throws {
        try await store.execute(.remember(userID: userID, clientID: clientID, scope: scope, flowID: flowID),
                                on: RememberedConsent.streamID(userID: userID, clientID: clientID), as: RememberedConsent.self,
                                metadata: metadata)
    }
}
