public import Hummingbird
public import Logging
public import PostgresNIO
import VellumStore

/// Builds the Vellum server: one `ServiceGroup` with the PostgreSQL pool, the batching appender and
/// the HTTP server. The schema is migrated after the pool starts and before the first request.
/// On graceful shutdown the server stops taking requests and finishes those in flight, then the
/// appender writes what is queued, then the pool closes.
public func buildApplication(
    configuration: ServerConfiguration,
    database: PostgresClient.Configuration,
    logger: Logger
) -> some ApplicationProtocol {
    let client = PostgresClient(configuration: database, backgroundLogger: logger)
    let appender = BatchingAppender(client: client, logger: logger)
    let store = EventStore(client: client, appender: appender, logger: logger)

    let router = Router()
    HealthEndpoints(client: client).register(on: router)

    var application = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "vellum"),
        services: [client, appender],
        logger: logger
    )
    application.beforeServerStarts {
        let applied = try await Migrator(client: client, logger: logger).migrate()
        logger.info("database ready", metadata: ["migrations_applied": "\(applied)"])
        _ = store
    }
    return application
}
