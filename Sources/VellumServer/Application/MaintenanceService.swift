import Foundation
import Logging
import ServiceLifecycle
import VellumCore
import VellumStore

/// The background work of every instance, every `maintenanceInterval` seconds: follow the `keys`
/// stream (activate a published key when its time comes, retire a replaced key once its tokens
/// have expired, load what other instances changed) and prune dead rows from the projections.
struct MaintenanceService: Service {
    let server: AuthorizationServer
    let pruner: ProjectionPruner
    let ready: ReadinessGate

    func run() async throws {
        guard await ready.wait() else { return }
        await repeatUntilShutdown(every: .seconds(server.configuration.maintenanceInterval), logger: server.logger,
                                  what: "maintenance") { try await runOnce() }
    }

    /// One round: keys, then pruning.
    func runOnce() async throws {
        let configuration = server.configuration
        let now = server.now
        // The last token a replaced key signed lives at most this long (plus clock skew).
        let tokenLifetime = configuration.accessTokenLifetime + 60
        try await server.keys.maintain(
            now: now, tokenLifetime: tokenLifetime,
            metadata: EventMetadata(instance: configuration.instanceID, actor: .system))
        await server.appendClientAuthenticationFailures(server.clientAuthenticationFailures.due(now: now), logger: server.logger)
        let report = try await pruner.prune(before: Timestamp(microsecondsSinceEpoch: now.microsecondsSinceEpoch - configuration.pruneAfter * 1_000_000))
        if report.total > 0 {
            server.logger.info("pruned projections", metadata: [
                "codes": "\(report.codes)", "access_tokens": "\(report.accessTokens)",
                "refresh_tokens": "\(report.refreshTokens)", "sessions": "\(report.sessions)"])
        }
    }
}
