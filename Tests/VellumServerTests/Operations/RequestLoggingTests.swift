import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing
import VellumCore
@testable import VellumServer
import VellumStore

/// What an operator's log shipper receives: JSON lines carrying the request id that the client
/// heard in `X-Request-Id` and that the events record, and never a secret.
@Suite("Request ids, access logs and client addresses")
struct RequestLoggingTests {
    /// A logger at debug level whose JSON lines are kept for the test.
    private static func capturingLogger() -> (Logger, @Sendable () -> [[String: Any]], @Sendable () -> String) {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "vellum") { JSONLogHandler(label: $0) { line in lines.withLock { $0.append(line) } } }
        logger.logLevel = .debug
        let parsed: @Sendable () -> [[String: Any]] = {
            lines.withLock { $0 }.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }
        return (logger, parsed, { lines.withLock { $0.joined() } })
    }

    @Test func aWholeFlowLogsItsRequestIDsAndNoSecret() async throws {
        let (logger, logLines, logText) = Self.capturingLogger()
        try await TestServer.with(logger: logger) { server in
            let client = try await server.registerClient(refreshTokens: true)
            try await server.createUser()
            var browser = Browser(server)
            let (flow, code) = try await browser.authorize(clientID: client.clientID)
            let basic = (client.clientID, client.secret!)
            let tokens = try await server.token(TestServer.codeForm(code), basic: basic)
            let access = try #require(tokens.accessToken)
            let refresh = try #require(tokens.json["refresh_token"] as? String)
            let idToken = try #require(tokens.json["id_token"] as? String)
            let refreshed = try await server.token([("grant_type", "refresh_token"), ("refresh_token", refresh)], basic: basic)
            let newRefresh = try #require(refreshed.json["refresh_token"] as? String)
            #expect(try await server.isActive(access, client: client))
            var headers = HTTPFields()
            headers[.authorization] = "Bearer \(access)"
            let userinfo = try await server.client.execute(uri: "/userinfo", method: .get, headers: headers) { $0 }
            #expect(userinfo.status == .ok)
            let revoked = try await server.postForm("/revoke", [("token", newRefresh)], basic: basic)
            #expect(revoked.status == .ok)
            var stranger = Browser(server)
            _ = try await stranger.logIn(flow: try await stranger.startFlow(clientID: client.clientID), password: "a wrong password")

            // Every answer names its request; the token request's events carry the same id.
            let tokenRequestID = try #require(tokens.headers[RequestLogResponder<Router<VellumRequestContext>.Responder>.requestIDField])
            let events = try await server.store.readStream("flow-\(flow)")
            let redeemed = try #require(events.firstIndex { $0.type == "AuthorizationCodeRedeemed" })
            let redemption = events[redeemed...].prefix(2)
            #expect(redemption.map(\.type) == ["AuthorizationCodeRedeemed", "TokensIssued"])
            for event in redemption {
                let metadata = try EventJSON.decodeValue(EventMetadata.self, from: event.metadata)
                #expect(metadata.requestID == tokenRequestID)
                #expect(metadata.clientRequestID == nil)
            }

            // One access line per request, each with its own id; every line of a request has it.
            let lines = logLines()
            let accessLines = lines.filter { $0["message"] as? String == "request" }
            #expect(accessLines.count >= 12, "authorize, login ×2, consent ×2, token ×2, introspect, userinfo, revoke, authorize, login ×2")
            let ids = accessLines.compactMap { $0["request_id"] as? String }
            #expect(ids.count == accessLines.count && Set(ids).count == ids.count)
            #expect(ids.contains(tokenRequestID))
            #expect(accessLines.allSatisfy { $0["status"] != nil && $0["path"] != nil && $0["duration_ms"] != nil && $0["client_ip"] as? String == "127.0.0.1" })
            #expect(accessLines.allSatisfy { ($0["path"] as? String)?.contains("?") == false }, "the query (codes, flow ids) stays out")
            for line in lines where line["hb.request.id"] != nil {
                #expect(line["hb.request.id"] as? String == line["request_id"] as? String)
            }

            // No secret anywhere in the log.
            let text = logText()
            let secrets = ["password": TestServer.password, "code": code, "verifier": PKCEPair.verifier, "access token": access,
                           "refresh token": refresh, "rotated refresh token": newRefresh, "id token": idToken,
                           "client secret": client.secret!, "wrong password": "a wrong password"]
                .merging((browser.cookies.map { $0 } + stranger.cookies.map { $0 }).map { ("cookie \($0.key)", $0.value) }) { $1 }
            for (name, secret) in secrets {
                #expect(!text.contains(secret), "the log holds the \(name)")
            }
        }
    }

    @Test func theClientsRequestIDIsRecordedBesideVellumsOwn() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            var headers = HTTPFields()
            headers[HTTPField.Name("X-Request-Id")!] = "client-chosen-42"
            let response = try await server.client.execute(
                uri: Browser.authorizeURI(clientID: client.clientID), method: .get, headers: headers) { $0 }
            #expect(response.status == .seeOther)
            let ownID = try #require(response.headers[HTTPField.Name("X-Request-Id")!])
            #expect(ownID != "client-chosen-42")
            let flow = try #require(URLComponents(string: response.headers[.location] ?? "")?.queryItems?.first { $0.name == "flow" }?.value)
            let requested = try #require(try await server.store.readStream("flow-\(flow)").first)
            let metadata = try EventJSON.decodeValue(EventMetadata.self, from: requested.metadata)
            #expect(metadata.requestID == ownID)
            #expect(metadata.clientRequestID == "client-chosen-42")
        }
    }

    @Test(arguments: [(nil, "127.0.0.1"), ("127.0.0.0/8", "203.0.113.9"), ("10.0.0.0/8", "127.0.0.1")] as [(String?, String)])
    func theClientAddressFollowsOnlyTrustedProxies(trusted: String?, expected: String) async throws {
        try await TestServer.with(configure: { configuration in
            if let trusted { configuration.trustedProxies = try! TrustedProxies(parsing: trusted) }
        }) { server in
            let client = try await server.registerClient()
            var headers = HTTPFields()
            headers[HTTPField.Name("X-Forwarded-For")!] = "203.0.113.9"
            let response = try await server.client.execute(
                uri: Browser.authorizeURI(clientID: client.clientID), method: .get, headers: headers) { $0 }
            let flow = try #require(URLComponents(string: response.headers[.location] ?? "")?.queryItems?.first { $0.name == "flow" }?.value)
            let requested = try #require(try await server.store.readStream("flow-\(flow)").first)
            #expect(try EventJSON.decodeValue(EventMetadata.self, from: requested.metadata).remoteIP == expected)
        }
    }

    @Test func durationsAreMillisecondsWithThreeDecimals() {
        typealias Responder = RequestLogResponder<CallbackResponder<VellumRequestContext>>
        #expect(Responder.milliseconds(.microseconds(564)) == "0.564")
        #expect(Responder.milliseconds(.nanoseconds(12_345_678)) == "12.346")
        #expect(Responder.milliseconds(.seconds(2)) == "2000.000")
        #expect(Responder.milliseconds(.nanoseconds(7_000)) == "0.007")
    }
}
