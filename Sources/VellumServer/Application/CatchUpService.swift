import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import VellumCore
import VellumStore

/// Runs the catch-up projections every `sealInterval`: the sealer (seals and signed checkpoints,
/// then shipping them to `VELLUM_CHECKPOINT_FILE`) and the audit search index. On several
/// instances one of them does each round's work. With `VELLUM_SEALER=off` this instance leaves
/// sealing to a separate `vellum sealer` that holds the audit key (docs/auditing.md).
struct CatchUpService: Service {
    let server: AuthorizationServer
    let runner: CatchUpRunner
    let masterKey: MasterKey
    let ready: ReadinessGate

    func run() async throws {
        guard await ready.wait() else { return }
        let configuration = server.configuration
        let metadata = EventMetadata(instance: configuration.instanceID, actor: .system)
        let sealing = SealingRoundSlot()
        let index = AuditIndex()
        await repeatUntilShutdown(every: .seconds(configuration.sealInterval), logger: server.logger, what: "catch-up projections") {
            // The audit index goes on even when sealing cannot (a key file unreadable, say).
            do {
                if configuration.sealerEnabled && sealing.round == nil {
                    sealing.round = SealingRound(runner: runner, signer: try await signer(metadata: metadata), configuration: configuration,
                                                 client: server.store.client, logger: server.logger)
                }
                try await sealing.round?.run()
            } catch {
                server.logger.error("sealing failed; retrying next round", metadata: ["error": "\(String(reflecting: error))"])
            }
            try await runner.catchUp(index)
            try await reportLag()
        }
    }

    /// How far each catch-up projection is behind the log, in events (counted up to 100,000) and
    /// in seconds since the oldest event it has not read: `vellum_catchup_lag_events` and
    /// `vellum_catchup_lag_seconds`, by projection (`sealer`, `audit_index`). Read past each
    /// checkpoint's position on the primary key: nothing when caught up.
    private func reportLag() async throws {
        let lags = try await withConnection(of: server.store.client) { [logger = server.logger] connection in
            let rows = try await connection.query("""
                SELECT c.name, count(e.position)::int8,
                       COALESCE(extract(epoch FROM now() - min(e.recorded_at)), 0)::float8
                FROM projection_checkpoints c
                LEFT JOIN LATERAL (SELECT position, recorded_at FROM events
                                   WHERE position > c.position ORDER BY position LIMIT 100000) e ON true
                GROUP BY c.name
                """, logger: logger)
            var lags: [(String, Int64, Double)] = []
            for try await lag in rows.decode((String, Int64, Double).self) { lags.append(lag) }
            return lags
        }
        for (name, events, seconds) in lags {
            ServerMetrics.catchUpLag(projection: name, events: events, seconds: seconds)
        }
    }

    /// The audit key this instance signs with: from `VELLUM_AUDIT_KEY_FILE`, else kept in the database.
    private func signer(metadata: EventMetadata) async throws -> any CheckpointSigner {
        if let path = server.configuration.auditKeyFile {
            let file = try AuditKeyFile.load(path)
            try await server.store.publishAuditKey(file.created, metadata: metadata)
            return file
        }
        return try await AuditKey.load(store: server.store, masterKey: masterKey, metadata: metadata, logger: server.logger)
    }
}

/// The sealing round, made on the first round that can (its key loaded), kept for the next ones.
private final class SealingRoundSlot: Sendable {
    private let value = Mutex<SealingRound?>(nil)

    var round: SealingRound? {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}
