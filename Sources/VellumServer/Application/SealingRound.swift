import Logging
import PostgresNIO
import VellumCore
import VellumStore

/// One round of sealing: seal what has committed, sign checkpoints, then ship the committed
/// checkpoints to the checkpoint file. Shipping failures are logged and retried next round;
/// they never hold sealing back.
struct SealingRound: Sendable {
    let runner: CatchUpRunner
    let sealer: Sealer
    let shipper: CheckpointShipper?
    let client: PostgresClient
    let logger: Logger

    init(runner: CatchUpRunner, signer: any CheckpointSigner, configuration: ServerConfiguration, client: PostgresClient, logger: Logger) {
        self.runner = runner
        self.sealer = Sealer(signer: signer, checkpointInterval: configuration.sealInterval * 1_000_000)
        self.shipper = configuration.checkpointFile.map { CheckpointShipper(path: $0, client: client, logger: logger) }
        self.client = client
        self.logger = logger
    }

    func run() async throws {
        try await runner.catchUp(sealer)
        if let stranded = try await TransactionIDRegression.firstStranded(client: client, logger: logger) {
            logger.error("""
                events from position \(stranded) have transaction ids below the sealer's cursor and cannot be sealed: \
                was the database restored into another cluster? See docs/auditing.md, "Restoring into another cluster"
                """)
        }
        guard let shipper else { return }
        do {
            try await shipper.ship()
        } catch {
            logger.error("shipping checkpoints failed; sealing goes on, and shipping is retried next round",
                         metadata: ["error": "\(String(reflecting: error))"])
        }
    }
}
