import Hummingbird
import NIOCore
import VellumCore

extension Request {
    /// The form body (`application/x-www-form-urlencoded`), at most 64 KiB, with repeated names kept.
    /// Throws an `OAuthError` for another content type, an oversized body or repeated parameters.
    func formParameters() async throws -> RequestParameters {
        let contentType = headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard contentType == "application/x-www-form-urlencoded" else {
            throw OAuthError.invalidRequest("the body must be application/x-www-form-urlencoded")
        }
        let body: ByteBuffer
        do {
            body = try await self.body.collect(upTo: 64 * 1024)
        } catch {
            throw OAuthError.invalidRequest("the body is too large")
        }
        let parameters = FormDecoding.parse(String(buffer: body))
        // RFC 6749 §3.2: no parameter may repeat, except RFC 8707 `resource`.
        if let repeated = parameters.repeatedNames.first(where: { $0 != "resource" }) {
            throw OAuthError.invalidRequest("the parameter '\(repeated)' is repeated")
        }
        return parameters
    }
}
