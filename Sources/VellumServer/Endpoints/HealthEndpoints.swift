import Hummingbird
import Logging
import PostgresNIO

/// `GET /healthz`: the process is up. `GET /readyz`: the database answers, within two seconds.
struct HealthEndpoints: Sendable {
    let client: PostgresClient

    func register(on router: Router<some RequestContext>) {
        router.get("healthz") { _, _ in
            Self.status("ok", .ok)
        }
        router.get("readyz") { _, context in
            do {
                _ = try await withTimeout(.seconds(2)) {
                    try await client.query("SELECT 1", logger: context.logger)
                }
                return Self.status("ok", .ok)
            } catch {
                context.logger.warning("readiness check failed", metadata: ["error": "\(String(reflecting: error))"])
                return Self.status("database unavailable", .serviceUnavailable)
            }
        }
    }

    private static func status(_ text: String, _ status: HTTPResponse.Status) -> Response {
        var response = Response(status: status, body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"\(text)\"}")))
        response.headers[.contentType] = "application/json"
        response.headers[.cacheControl] = "no-store"
        return response
    }
}

/// Runs `operation`, throwing `CancellationError` if it takes longer than `timeout`.
func withTimeout<T: Sendable>(_ timeout: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw CancellationError()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
