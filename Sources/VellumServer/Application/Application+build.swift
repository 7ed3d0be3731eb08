public import Hummingbird
public import Logging
public import PostgresNIO
import VellumCore
import VellumStore

/// Builds the Vellum server: one `ServiceGroup` with the PostgreSQL pool, the batching appender and
/// the HTTP server. Before the first request the schema is checked to be current (serving never
/// migrates) and a signing key made ready.
/// On graceful shutdown the server stops taking requests and finishes those in flight, then the
/// appender writes what is queued, then the pool closes.
public func buildApplication(
    configuration: ServerConfiguration,
    database: PostgresClient.Configuration,
    masterKey: MasterKey,
    logger: Logger
) throws -> some ApplicationProtocol {
    // Each instance's sessions are named in pg_stat_activity (and counted by ``DatabaseHealth``).
    var database = database.forServing(applicationName: "vellum \(configuration.instanceID)")
    // The appender writes over a pool of its own, where its statements are planned once.
    let appenderPool = BatchingAppender.poolConfiguration(from: database)
    database = database.withFewPoolTimers
    let client = PostgresClient(configuration: database, backgroundLogger: logger)
    let appenderClient = PostgresClient(configuration: appenderPool, backgroundLogger: logger)
    let appender = BatchingAppender(client: appenderClient, projections: [EventProjections()], now: configuration.clock, logger: logger)
    let store = EventStore(client: client, appender: appender, logger: logger)
    let server = AuthorizationServer(
        configuration: configuration, store: store, queries: ProjectionQueries(client: client, logger: logger),
        keys: SigningKeys(store: store, masterKey: masterKey, logger: logger), csrf: CSRFProtection(masterKey: masterKey),
        pages: try Pages(directory: configuration.templatesDirectory), logger: logger)
    if !configuration.usesHTTPS && !ServerConfiguration.isLoopback(configuration.host) {
        logger.warning("the issuer is http but the server listens beyond loopback: cookies and tokens cross the network in clear",
                       metadata: ["issuer": "\(configuration.issuer)", "host": "\(configuration.host)"])
    }

    let ready = ReadinessGate()
    let health = DatabaseHealth(
        client: client, applicationName: database.applicationName ?? "vellum",
        interval: configuration.readinessProbeInterval, logger: logger)
    let unavailable = Unavailable(pages: server.pages)
    ServerMetrics.bootstrap()
    let router = Router(context: VellumRequestContext.self)
    // A span per request when a tracer is bootstrapped (`--otel-endpoint`); nothing otherwise.
    // Query parameters that carry a secret or a user's data are redacted from the span.
    if configuration.tracesRequests {
        router.middlewares.add(TracingMiddleware(redactingQueryParameters: [
            "flow", "state", "nonce", "code", "code_challenge", "code_verifier", "id_token_hint", "login_hint", "token",
            "refresh_token", "client_secret", "password", "csrf_token",
        ]))
    }
    router.middlewares.add(MetricsMiddleware())
    router.middlewares.add(StorageErrorMiddleware(unavailable: unavailable, logger: logger))
    HealthEndpoints(health: health).register(on: router)
    MetricsEndpoint().register(on: router)
    DiscoveryEndpoints(server: server).register(on: router)
    AuthorizeEndpoint(server: server).register(on: router)
    LoginEndpoint(server: server).register(on: router)
    ConsentEndpoint(server: server).register(on: router)
    TokenEndpoint(server: server).register(on: router)
    RevocationEndpoint(server: server).register(on: router)
    IntrospectionEndpoint(server: server).register(on: router)
    UserinfoEndpoint(server: server).register(on: router)
    LogoutEndpoint(server: server).register(on: router)
    AssetEndpoints(stylesheet: server.pages.stylesheet).register(on: router)

    var application = Application(
        responder: RequestLogResponder(
            inner: DeadlineResponder(inner: MethodGuard(inner: router.buildResponder(), routes: router.routes),
                                     limit: configuration.requestTimeout, unavailable: unavailable),
            trustedProxies: configuration.trustedProxies, accessLog: configuration.accessLog),
        server: .http1OnEventLoops(),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "vellum"),
        services: [
            client, appenderClient, health, appender,
            MaintenanceService(server: server, pruner: ProjectionPruner(client: client, logger: logger), ready: ready),
            CatchUpService(server: server, runner: CatchUpRunner(client: client, logger: logger), masterKey: masterKey, ready: ready),
        ],
        logger: logger
    )
    application.beforeServerStarts {
        // Serving never changes the schema: it runs as a role that may not (docs/database-roles.md).
        try await Migrator(client: client, logger: logger).requireCurrent()
        try await server.keys.prepare(metadata: EventMetadata(instance: configuration.instanceID, actor: .system))
        ready.open()
        logger.info("ready", metadata: ["issuer": "\(configuration.issuer)"])
    }
    return application
}
