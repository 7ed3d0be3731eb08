import Logging
import ServiceLifecycle
import VellumStore

/// The loop of a background service: run `round` every `interval` until graceful shutdown or
/// cancellation. A failed round is logged and tried again next time: background work never takes
/// the server down. A round that outlives `limit` is abandoned (``racingDeadline``: a query that
/// a closed connection swallowed never ends) and counts as failed.
func repeatUntilShutdown(every interval: Duration, limit: Duration = .seconds(30), logger: Logger, what: String,
                         _ round: @escaping @Sendable () async throws -> Void) async {
    while !Task.isShuttingDownGracefully && !Task.isCancelled {
        do {
            try await racingDeadline(limit) { try await round() }
        } catch {
            logger.warning("\(what) failed; retrying next round", metadata: ["error": "\(String(reflecting: error))"])
        }
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
    }
}
