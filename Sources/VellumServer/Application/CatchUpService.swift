import Foundation
import Logging
import ServiceLifecycle
import VellumCore
import VellumStore

/// Runs the catch-up projections every `sealInterval`: the sealer (seals and signed checkpoints)
/// and the audit search index. On several instances one of them does each round's work.
struct CatchUpService: Service {
    let server: AuthorizationServer
    let runner: CatchUpRunner
    let masterKey: MasterKey
    let ready: ReadinessGate

    func run() async throws {
        guard await ready.wait() else { return }
        let configuration = server.configuration
        let auditKey = try await AuditKey.load(
            store: server.store, masterKey: masterKey,
            metadata: EventMetadata(instance: configuration.instanceID, actor: .system), logger: server.logger)
        let sealer = Sealer(
            signer: auditKey, checkpointInterval: configuration.sealInterval * 1_000_000,
            checkpointFile: configuration.checkpointFile)
        let index = AuditIndex()
        await repeatUntilShutdown(every: .seconds(configuration.sealInterval), logger: server.logger, what: "catch-up projections") {
            try await runner.catchUp(sealer)
            try await runner.catchUp(index)
        }
    }
}
