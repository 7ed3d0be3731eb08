import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import VellumServer

/// A token endpoint response, decoded.
struct TokenAnswer {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let json: [String: Any]

    var error: String? { json["error"] as? String }
    var accessToken: String? { json["access_token"] as? String }
}

extension TestServer {
    /// `POST /token` with `form`, authenticating with HTTP Basic when `basic` is given.
    func token(_ form: [(String, String)], basic: (id: String, secret: String)? = nil) async throws -> TokenAnswer {
        var headers = HTTPFields()
        headers[.contentType] = "application/x-www-form-urlencoded"
        if let basic {
            headers[.authorization] = "Basic " + Data("\(basic.id):\(basic.secret)".utf8).base64EncodedString()
        }
        let response = try await client.execute(uri: "/token", method: .post, headers: headers,
                                                 body: ByteBuffer(string: FormBody.encode(form))) { $0 }
        let json = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:]
        return TokenAnswer(status: response.status, headers: response.headers, json: json)
    }

    /// `POST` of `form` to `path` (revocation, introspection) with HTTP Basic.
    func postForm(_ path: String, _ form: [(String, String)], basic: (id: String, secret: String)?) async throws -> TokenAnswer {
        var headers = HTTPFields()
        headers[.contentType] = "application/x-www-form-urlencoded"
        if let basic {
            headers[.authorization] = "Basic " + Data("\(basic.id):\(basic.secret)".utf8).base64EncodedString()
        }
        let response = try await client.execute(uri: path, method: .post, headers: headers,
                                                 body: ByteBuffer(string: FormBody.encode(form))) { $0 }
        let json = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:]
        return TokenAnswer(status: response.status, headers: response.headers, json: json)
    }

    /// Whether introspection by `client` says `token` is active.
    func isActive(_ token: String, client: Administration.NewClient) async throws -> Bool {
        let answer = try await postForm("/introspect", [("token", token)], basic: (client.clientID, client.secret!))
        #expect(answer.status == .ok)
        return answer.json["active"] as? Bool == true
    }

    /// Runs a whole flow for `client` and exchanges the code; returns the token response.
    func tokens(for client: Administration.NewClient, browser: inout Browser, overrides: [String: String?] = [:]) async throws -> (flow: String, answer: TokenAnswer) {
        let (flow, code) = try await browser.authorize(clientID: client.clientID, overrides: overrides)
        let answer = try await token(TestServer.codeForm(code), basic: (client.clientID, client.secret!))
        #expect(answer.status == .ok)
        return (flow, answer)
    }

    /// The form of an authorization-code token request.
    static func codeForm(_ code: String, verifier: String? = PKCEPair.verifier, redirectURI: String? = TestServer.redirectURI,
                         extra: [(String, String)] = []) -> [(String, String)] {
        var form = [("grant_type", "authorization_code"), ("code", code)]
        if let redirectURI { form.append(("redirect_uri", redirectURI)) }
        if let verifier { form.append(("code_verifier", verifier)) }
        return form + extra
    }
}
