public import Logging
public import PostgresNIO
import ServiceLifecycle
import VellumCore
public import VellumStore

/// `vellum sealer`: sealing and checkpoint signing alone, with an audit key from a file, for a host
/// the database's administrators do not control. The serving instances then run with
/// `VELLUM_SEALER=off`; checkpoints signed here are what an auditor pins (docs/auditing.md).
public enum SealerProcess {
    /// Seals every `interval` seconds until SIGINT or SIGTERM.
    public static func run(database: PostgresClient.Configuration, keyFile: String, interval: Int64, checkpointFile: String?,
                           logger: Logger) async throws {
        let key = try AuditKeyFile.load(keyFile)
        let client = PostgresClient(configuration: database.forServing(applicationName: "vellum sealer"), backgroundLogger: logger)
        let appender = BatchingAppender(client: client, projections: [EventProjections()], logger: logger)
        let store = EventStore(client: client, appender: appender, logger: logger)
        var configuration = ServerConfiguration()
        configuration.sealInterval = interval
        configuration.checkpointFile = checkpointFile
        let round = SealingRound(runner: CatchUpRunner(client: client, logger: logger), signer: key, configuration: configuration,
                                 client: client, logger: logger)
        let sealing = SealingService(store: store, key: key, round: round, interval: interval, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: client), .init(service: appender), .init(service: sealing, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// The sealing loop of `vellum sealer`.
private struct SealingService: Service {
    let store: EventStore
    let key: AuditKeyFile
    let round: SealingRound
    let interval: Int64
    let logger: Logger

    func run() async throws {
        try await Migrator(client: store.client, logger: logger).requireCurrent()
        try await store.publishAuditKey(key.created, metadata: EventMetadata(instance: "vellum-sealer", actor: .system))
        logger.notice("sealing", metadata: ["key_id": "\(key.keyID)", "fingerprint": "\(key.fingerprint)"])
        await repeatUntilShutdown(every: .seconds(interval), logger: logger, what: "sealing") { try await round.run() }
    }
}
