import Foundation
import Hummingbird
import Logging
import VellumCore
import VellumStore

extension AuthorizationServer {
    /// Authenticates the client of a token, revocation or introspection request (RFC 6749 §2.3):
    /// HTTP Basic, or `client_id` (+ `client_secret`) in the body, never both.
    /// `read` reads the client's row together with what the request presents (one round trip);
    /// its answer comes back beside the authenticated client.
    func authenticateClient(
        _ request: Request, context: VellumRequestContext, form: RequestParameters, read: (_ clientID: String) async throws -> ClientRead
    ) async throws -> (client: RegisteredClient, read: ClientRead) {
        let presented = try Self.presentedCredentials(authorization: request.headers[.authorization], form: form)
        let read = try await read(presented.clientID)
        do {
            return (try ClientAuthentication.authenticate(presented, client: read.client), read)
        } catch {
            await recordFailedAuthentication(presented, client: read.client, request: request, context: context)
            throw error
        }
    }

    /// Counts the failure, and records it on the client's stream (bounded: ``ClientAuthenticationFailures``)
    /// when the client exists. A failure to record is logged; the caller still hears `invalid_client`.
    private func recordFailedAuthentication(_ presented: PresentedClientCredentials, client: RegisteredClient?,
                                            request: Request, context: VellumRequestContext) async {
        let reason = ClientAuthentication.failureReason(presented, client: client)
        ServerMetrics.clientAuthenticationFailed(reason: reason)
        guard let client else { return }
        let records = clientAuthenticationFailures.record(
            clientID: client.clientID, reason: reason, at: now,
            metadata: request.metadata(context: context, instance: configuration.instanceID, actor: .system))
        await appendClientAuthenticationFailures(records, logger: context.logger)
    }

    /// Appends `records` to their clients' streams.
    func appendClientAuthenticationFailures(_ records: [ClientAuthenticationFailures.Record], logger: Logger) async {
        for record in records {
            do {
                try await store.append(to: StreamID.client(record.event.clientID).description, expected: .any,
                                       events: [try ProposedEvent(record.event, metadata: EventJSON.encodeValue(record.metadata))])
            } catch {
                logger.error("recording a failed client authentication failed",
                             metadata: ["client_id": "\(record.event.clientID)", "error": "\(String(reflecting: error))"])
            }
        }
    }

    static func presentedCredentials(authorization: String?, form: RequestParameters) throws -> PresentedClientCredentials {
        let formID = form.value("client_id")
        let formSecret = form.value("client_secret")
        if let authorization {
            guard authorization.prefix(6).lowercased() == "basic ",
                  let decoded = Data(base64Encoded: String(authorization.dropFirst(6).trimmingSpaces)),
                  let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":") else {
                throw OAuthError.invalidClient("the Authorization header is not valid HTTP Basic")
            }
            guard formSecret == nil else {
                throw OAuthError.invalidRequest("use one client authentication method, not Basic and client_secret")
            }
            // RFC 6749 §2.3.1: the id and secret are form-encoded before Basic encoding.
            let id = FormDecoding.decode(text[..<colon])
            let secret = FormDecoding.decode(text[text.index(after: colon)...])
            if let formID, formID != id { throw OAuthError.invalidRequest("client_id differs from the Basic credentials") }
            return .basic(clientID: id, secret: secret)
        }
        guard let formID, !formID.isEmpty else { throw OAuthError.invalidClient("client authentication is required") }
        if let formSecret { return .post(clientID: formID, secret: formSecret) }
        return .none(clientID: formID)
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        let start = firstIndex { $0 != " " && $0 != "\t" } ?? endIndex
        let end = lastIndex { $0 != " " && $0 != "\t" }.map(index(after:)) ?? start
        return self[start..<Swift.max(start, end)]
    }
}
