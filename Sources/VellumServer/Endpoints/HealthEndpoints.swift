import Hummingbird
import Logging

/// `GET /healthz`: the process is up. `GET /readyz`: the database answered the last probe (at most
/// a second ago, see ``DatabaseHealth``), 503 otherwise; neither waits on the database.
struct HealthEndpoints: Sendable {
    let health: DatabaseHealth

    func register(on router: Router<some RequestContext>) {
        router.get("healthz") { _, _ in
            Self.status("ok", .ok)
        }
        router.get("readyz") { _, _ in
            await health.isReachable() ? Self.status("ok", .ok) : Self.status("database unavailable", .serviceUnavailable)
        }
    }

    private static func status(_ text: String, _ status: HTTPResponse.Status) -> Response {
        var response = Response(status: status, body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"\(text)\"}")))
        response.headers[.contentType] = "application/json"
        response.headers[.cacheControl] = "no-store"
        if status == .serviceUnavailable { response.headers[.retryAfter] = String(Unavailable.retryAfterSeconds) }
        return response
    }
}
