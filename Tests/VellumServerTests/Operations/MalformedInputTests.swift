import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import VellumServer

/// What schemathesis and Tests/Fuzz/malformed_input.py found (scripts/fuzz-api): input the database
/// cannot hold, and methods a path does not take, get a clean 4xx, never a 503 or a bare 404.
@Suite("Malformed input and methods")
struct MalformedInputTests {
    @Test func aNulByteInAClientIDOrUsernameIsAnUnknownOneNotADatabaseError() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            try await server.createUser()
            let posted = try await server.token([("grant_type", "refresh_token"), ("refresh_token", "x"), ("client_id", "a\u{0}b"),
                                                 ("client_secret", "s")])
            #expect(posted.status == .unauthorized && posted.error == "invalid_client")
            let basic = try await server.token([("grant_type", "refresh_token"), ("refresh_token", "x")], basic: ("a\u{0}b", "c\u{0}d"))
            #expect(basic.status == .unauthorized && basic.error == "invalid_client")
            let introspected = try await server.postForm("/introspect", [("token", "t"), ("client_id", "a\u{0}b"), ("client_secret", "s")],
                                                         basic: nil)
            #expect(introspected.status == .unauthorized)
            let authorize = try await server.client.execute(
                uri: Browser.authorizeURI(clientID: "c_%00x"), method: .get) { $0 }
            #expect(authorize.status == .badRequest)

            var browser = Browser(server)
            let flow = try await browser.startFlow(clientID: client.clientID)
            let login = try await browser.logIn(flow: flow, username: "al\u{0}ice")
            #expect(login.status == .unauthorized || login.status == .ok, "the login page again, as for a wrong password")
            #expect(String(buffer: login.body).contains("csrf_token"))
        }
    }

    @Test func headIsGetWithoutItsBodyAndAnotherMethodIs405WithAllow() async throws {
        try await TestServer.with { server in
            let head = try await server.client.execute(uri: "/jwks.json", method: .head) { $0 }
            #expect(head.status == .ok)
            #expect(head.body.readableBytes == 0)
            #expect(head.headers[.contentType] == "application/jwk-set+json", "\(head.headers)")
            #expect(Int(head.headers[.contentLength] ?? "") ?? 0 > 0, "the length GET's body would have")
            for (method, path, allow) in [(HTTPRequest.Method.delete, "/jwks.json", "GET, HEAD"), (.put, "/token", "POST"), (.get, "/token", "POST"),
                                          (.patch, "/healthz", "GET, HEAD"), (.options, "/introspect", "POST")] {
                let response = try await server.client.execute(uri: path, method: method) { $0 }
                #expect(response.status == .methodNotAllowed, "\(method) \(path)")
                #expect(response.headers[.allow] == allow, "\(method) \(path)")
                let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(json?["error"] as? String == "invalid_request")
            }
            #expect(try await server.client.execute(uri: "/nowhere", method: .get) { $0 }.status == .notFound)
        }
    }
}
