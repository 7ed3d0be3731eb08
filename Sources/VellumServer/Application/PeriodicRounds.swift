import Logging
import ServiceLifecycle

/// The loop of a background service: run `round` every `interval` until graceful shutdown or
/// cancellation. A failed round is logged and tried again next time: background work never takes
/// the server down.
func repeatUntilShutdown(every interval: Duration, logger: Logger, what: String, _ round: () async throws -> Void) async {
    while !Task.isShuttingDownGracefully && !Task.isCancelled {
        do {
            try await round()
        } catch {
            logger.warning("\(what) failed; retrying next round", metadata: ["error": "\(String(reflecting: error))"])
        }
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
    }
}
