import Foundation
import HTTPTypes
import Hummingbird
import Logging
import VellumCore

/// The outermost responder: gives each request its id and its client's address before anything
/// else sees it, puts the id on every log line the request causes, answers with it in
/// `X-Request-Id`, and writes one access log line per request (`VELLUM_ACCESS_LOG`). The line names
/// the path, never the query, which may carry a code or a flow id.
struct RequestLogResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context == VellumRequestContext {
    typealias Context = VellumRequestContext
    let inner: Inner
    let trustedProxies: TrustedProxies
    let accessLog: Bool

    static var requestIDField: HTTPField.Name { RequestHeaderNames.requestID }

    func respond(to request: Request, context: Context) async throws -> Response {
        let started = ContinuousClock.now
        var context = context
        context.requestID = TimeOrderedID.uuid(at: Timestamp(Date()))
        context.clientRequestID = request.headers[Self.requestIDField].flatMap(Self.acceptableClientID)
        // The context starts with the TCP peer; only a trusted proxy's headers can change it.
        if !trustedProxies.networks.isEmpty {
            context.clientIP = trustedProxies.clientAddress(
                peer: context.remoteAddress?.ipAddress,
                forwarded: request.headers[values: RequestHeaderNames.forwarded],
                xForwardedFor: request.headers[values: RequestHeaderNames.xForwardedFor])
        }
        // Hummingbird's own lines name the request by `hb.request.id`: the same id.
        context.logger[metadataKey: "hb.request.id"] = .string(context.requestID)
        context.logger[metadataKey: "request_id"] = .string(context.requestID)

        var response: Response
        do {
            response = try await inner.respond(to: request, context: context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch {
            log(request, status: 500, started: started, context: context)
            throw error
        }
        response.headers[Self.requestIDField] = context.requestID
        log(request, status: response.status.code, started: started, context: context)
        return response
    }

    private func log(_ request: Request, status: Int, started: ContinuousClock.Instant, context: Context) {
        guard accessLog else { return }
        let elapsed = started.duration(to: .now)
        var metadata: Logger.Metadata = [
            "method": .string(request.method.rawValue), "path": .string(request.uri.path), "status": .stringConvertible(status),
            "duration_ms": .string(Self.milliseconds(elapsed)),
        ]
        if let ip = context.clientIP { metadata["client_ip"] = .string(ip) }
        if let clientID = context.clientRequestID { metadata["client_request_id"] = .string(clientID) }
        context.logger.info("request", metadata: metadata)
    }

    /// `duration` in milliseconds with three decimals ("12.345"), rounded to the microsecond:
    /// `String(format:)` cost 1.4 % of an introspection's server CPU.
    static func milliseconds(_ duration: Duration) -> String {
        let microseconds = duration.components.seconds * 1_000_000 + (duration.components.attoseconds + 500_000_000_000) / 1_000_000_000_000
        let fraction = String(microseconds % 1_000)
        return "\(microseconds / 1_000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    /// A client's request id is kept if it is short printable ASCII; anything else is dropped.
    static func acceptableClientID(_ value: String) -> String? {
        guard !value.isEmpty, value.utf8.count <= 128, value.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else { return nil }
        return value
    }
}

/// The header names the responder reads and writes, made once (a generic type has no stored statics).
private enum RequestHeaderNames {
    static let requestID = HTTPField.Name("X-Request-Id")!
    static let forwarded = HTTPField.Name("Forwarded")!
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}
