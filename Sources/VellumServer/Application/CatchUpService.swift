import Foundation
import Logging
import ServiceLifecycle
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
        var sealing: SealingRound?
        let index = AuditIndex()
        await repeatUntilShutdown(every: .seconds(configuration.sealInterval), logger: server.logger, what: "catch-up projections") {
            // The audit index goes on even when sealing cannot (a key file unreadable, say).
            do {
                if configuration.sealerEnabled && sealing == nil {
                    sealing = SealingRound(runner: runner, signer: try await signer(metadata: metadata), configuration: configuration,
                                           client: server.store.client, logger: server.logger)
                }
                try await sealing?.run()
            } catch {
                server.logger.error("sealing failed; retrying next round", metadata: ["error": "\(String(reflecting: error))"])
            }
            try await runner.catchUp(index)
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
