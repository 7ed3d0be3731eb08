import ArgumentParser
import Configuration
import Foundation
import Hummingbird
import Logging
import OTel
import ServiceLifecycle
import VellumServer
import VellumStore

/// `vellum serve`: serves until SIGINT or SIGTERM. Every setting is an option, a `VELLUM_…`
/// variable and a key of the `--config` file (``Setting``), in that order of precedence.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the authorization server.",
        discussion: """
            Every option can also be given as the environment variable its help names, or as a key of the \
            JSON file given with --config (the option's name with underscores: {"code_ttl": 120}). The \
            command line wins over the environment, the environment over the file. VELLUM_MASTER_KEY \
            (base64) is read from the environment or the file only, never from the command line.
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(name: Setting.config.name, help: Setting.config.help) var config: String?
    @Option(name: Setting.host.name, help: Setting.host.help) var host: String?
    @Option(name: Setting.port.name, help: Setting.port.help) var port: Int?
    @Option(name: Setting.issuer.name, help: Setting.issuer.help) var issuer: String?
    @Option(name: Setting.codeTTL.name, help: Setting.codeTTL.help) var codeTTL: Int?
    @Option(name: Setting.accessTokenTTL.name, help: Setting.accessTokenTTL.help) var accessTokenTTL: Int?
    @Option(name: Setting.sessionTTL.name, help: Setting.sessionTTL.help) var sessionTTL: Int?
    @Option(name: Setting.flowTTL.name, help: Setting.flowTTL.help) var flowTTL: Int?
    @Option(name: Setting.refreshTokenTTL.name, help: Setting.refreshTokenTTL.help) var refreshTokenTTL: Int?
    @Option(name: Setting.refreshTokenIdleTTL.name, help: Setting.refreshTokenIdleTTL.help) var refreshTokenIdleTTL: Int?
    @Option(name: Setting.refreshReuseGrace.name, help: Setting.refreshReuseGrace.help) var refreshReuseGrace: Int?
    @Option(name: Setting.keyActivationDelay.name, help: Setting.keyActivationDelay.help) var keyActivationDelay: Int?
    @Option(name: Setting.pruneAfter.name, help: Setting.pruneAfter.help) var pruneAfter: Int?
    @Option(name: Setting.maintenanceInterval.name, help: Setting.maintenanceInterval.help) var maintenanceInterval: Int?
    @Option(name: Setting.sealInterval.name, help: Setting.sealInterval.help) var sealInterval: Int?
    @Option(name: Setting.checkpointFile.name, help: Setting.checkpointFile.help) var checkpointFile: String?
    @Option(name: Setting.auditKeyFile.name, help: Setting.auditKeyFile.help) var auditKeyFile: String?
    @Option(name: Setting.sealer.name, help: Setting.sealer.help) var sealer: String?
    @Option(name: Setting.requestTimeout.name, help: Setting.requestTimeout.help) var requestTimeout: Int?
    @Option(name: Setting.defaultAudience.name, help: Setting.defaultAudience.help) var defaultAudience: String?
    @Option(name: Setting.templatesDir.name, help: Setting.templatesDir.help) var templatesDir: String?
    @Option(name: Setting.loginFailuresBeforeDelay.name, help: Setting.loginFailuresBeforeDelay.help) var loginFailuresBeforeDelay: Int?
    @Option(name: Setting.trustedProxies.name, help: Setting.trustedProxies.help) var trustedProxies: String?
    @Option(name: Setting.accessLog.name, help: Setting.accessLog.help) var accessLog: String?
    @Option(name: Setting.logLevel.name, help: Setting.logLevel.help) var logLevel: String?
    @Option(name: Setting.logFormat.name, help: Setting.logFormat.help) var logFormat: String?
    @Option(name: Setting.masterKeyFile.name, help: Setting.masterKeyFile.help) var masterKeyFile: String?
    @Option(name: Setting.otelEndpoint.name, help: Setting.otelEndpoint.help) var otelEndpoint: String?

    /// What the command line gave, by setting.
    private var given: [(Setting, ConfigContent?)] {
        func text(_ value: String?) -> ConfigContent? { value.map(ConfigContent.string) }
        func number(_ value: Int?) -> ConfigContent? { value.map(ConfigContent.int) }
        return [
            (.databaseURL, text(database.databaseURL)), (.dataDir, text(database.dataDirectory)),
            (.host, text(host)), (.port, number(port)), (.issuer, text(issuer)),
            (.codeTTL, number(codeTTL)), (.accessTokenTTL, number(accessTokenTTL)), (.sessionTTL, number(sessionTTL)),
            (.flowTTL, number(flowTTL)), (.refreshTokenTTL, number(refreshTokenTTL)), (.refreshTokenIdleTTL, number(refreshTokenIdleTTL)),
            (.refreshReuseGrace, number(refreshReuseGrace)), (.keyActivationDelay, number(keyActivationDelay)),
            (.pruneAfter, number(pruneAfter)), (.maintenanceInterval, number(maintenanceInterval)), (.sealInterval, number(sealInterval)),
            (.checkpointFile, text(checkpointFile)), (.auditKeyFile, text(auditKeyFile)), (.sealer, text(sealer)),
            (.requestTimeout, number(requestTimeout)), (.defaultAudience, text(defaultAudience)), (.templatesDir, text(templatesDir)),
            (.loginFailuresBeforeDelay, number(loginFailuresBeforeDelay)), (.trustedProxies, text(trustedProxies)),
            (.accessLog, text(accessLog)), (.logLevel, text(logLevel)), (.logFormat, text(logFormat)),
            (.masterKeyFile, text(masterKeyFile)), (.otelEndpoint, text(otelEndpoint)),
        ]
    }

    func run() async throws {
        // glibc gives each thread that contends for malloc an arena of its own (up to eight per
        // core), and a server's threads hand buffers to one another: freed memory stays scattered
        // over arenas. Two arenas kept the peak resident memory of a loaded server from ~170 to
        // ~148 MiB at the same throughput (docs/performance.md).
        #if os(Linux)
        _ = glibcMallopt(glibcArenaMax, 2)
        #endif
        let settings = try await Settings.load(given: given, file: config ?? Environment.value(Setting.config.variable))
        let logger = try Environment.logger(format: settings.string(.logFormat), level: settings.string(.logLevel))
        var configuration = try ServeConfiguration.resolve(settings)
        let dataDirectory = try settings.string(.dataDir) ?? ".vellum"
        var keyEnvironment: [String: String] = [:]
        keyEnvironment["VELLUM_MASTER_KEY"] = try settings.string(.masterKey)
        keyEnvironment["VELLUM_MASTER_KEY_FILE"] = try settings.string(.masterKeyFile)
        let masterKey = try MasterKey.load(environment: keyEnvironment, dataDirectory: dataDirectory, logger: logger)
        let location = DatabaseLocation(url: try settings.string(.databaseURL), dataDirectory: dataDirectory)

        // SIGINT and SIGTERM shut down gracefully (ServiceLifecycle), releasing the cluster last.
        ClusterExit.callerHandlesSignals()
        let tracing = try Self.tracing(endpoint: settings.string(.otelEndpoint))
        configuration.tracesRequests = tracing != nil
        try await Database.using(location, logger: logger) { [configuration] opened in
            let application = try buildApplication(
                configuration: configuration, database: opened.configuration, masterKey: masterKey, logger: logger)
            // Graceful shutdown gets 20 s (requests in flight finish, queued appends are written),
            // then what is left is cancelled: a service stuck on a query its closed connection
            // swallowed must not keep the process, and the cluster it stops last, alive.
            var services: [any Service] = [application]
            if let tracing { services.append(tracing) }
            var group = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            group.maximumGracefulShutdownDuration = .seconds(20)
            group.maximumCancellationDuration = .seconds(5)
            try await ServiceGroup(configuration: group).run()
        }
    }
}

extension Serve {
    /// Traces over OTLP/HTTP to `endpoint` (swift-otel), or nil without one. Only traces: metrics
    /// stay on `/metrics` and logs on standard error, each bootstrapped on its own.
    static func tracing(endpoint: String?) throws -> (any Service)? {
        guard let endpoint else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = "vellum"
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.enabled = true
        configuration.traces.exporter = .otlp
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        // A collector's address (http://collector:4318) gets the traces path; a full URL is kept.
        let path = URL(string: endpoint)?.path ?? ""
        configuration.traces.otlpExporter.endpoint = path.isEmpty || path == "/"
            ? endpoint.trimmingCharacters(in: ["/"]) + "/v1/traces" : endpoint
        do {
            return try OTel.bootstrap(configuration: configuration)
        } catch {
            throw ValidationError("\(Setting.otelEndpoint.variable): \(error)")
        }
    }
}

/// The server's configuration from the settings.
enum ServeConfiguration {
    static func resolve(_ settings: Settings) throws -> ServerConfiguration {
        let defaults = ServerConfiguration()
        let host = try settings.string(.host) ?? defaults.host
        let port = try settings.int(.port) ?? defaults.port
        guard (0...65_535).contains(port) else { throw ValidationError("\(Setting.port.variable) must be a port number") }
        var configuration = ServerConfiguration(host: host, port: port, issuer: try settings.string(.issuer))
        configuration.codeLifetime = try settings.seconds(.codeTTL) ?? defaults.codeLifetime
        configuration.accessTokenLifetime = try settings.seconds(.accessTokenTTL) ?? defaults.accessTokenLifetime
        configuration.sessionLifetime = try settings.seconds(.sessionTTL) ?? defaults.sessionLifetime
        configuration.flowLifetime = try settings.seconds(.flowTTL) ?? defaults.flowLifetime
        configuration.refreshTokenLifetime = try settings.seconds(.refreshTokenTTL) ?? defaults.refreshTokenLifetime
        configuration.refreshTokenIdleLifetime = try settings.seconds(.refreshTokenIdleTTL) ?? defaults.refreshTokenIdleLifetime
        configuration.refreshReuseGrace = try settings.seconds(.refreshReuseGrace, allowZero: true) ?? defaults.refreshReuseGrace
        configuration.keyActivationDelay = try settings.seconds(.keyActivationDelay, allowZero: true) ?? defaults.keyActivationDelay
        configuration.pruneAfter = try settings.seconds(.pruneAfter, allowZero: true) ?? defaults.pruneAfter
        configuration.maintenanceInterval = try settings.seconds(.maintenanceInterval) ?? defaults.maintenanceInterval
        configuration.sealInterval = try settings.seconds(.sealInterval) ?? defaults.sealInterval
        configuration.checkpointFile = try settings.string(.checkpointFile)
        configuration.auditKeyFile = try settings.string(.auditKeyFile)
        configuration.sealerEnabled = try settings.flag(.sealer) ?? defaults.sealerEnabled
        configuration.requestTimeout = try settings.seconds(.requestTimeout).map { .seconds($0) } ?? defaults.requestTimeout
        configuration.defaultAudience = try settings.string(.defaultAudience).map { $0.split(separator: " ").map(String.init) }
        configuration.templatesDirectory = try settings.string(.templatesDir)
        if let count = try settings.int(.loginFailuresBeforeDelay) {
            guard count > 0 else { throw ValidationError("\(Setting.loginFailuresBeforeDelay.variable) must be a positive whole number") }
            configuration.loginFailuresBeforeDelay = count
        }
        if let proxies = try settings.string(.trustedProxies) {
            do { configuration.trustedProxies = try TrustedProxies(parsing: proxies) }
            catch { throw ValidationError("\(Setting.trustedProxies.variable): \(error)") }
        }
        configuration.accessLog = try settings.flag(.accessLog) ?? defaults.accessLog
        return configuration
    }
}

#if os(Linux)
/// glibc's `mallopt` (malloc.h, which the Glibc module does not export) and its `M_ARENA_MAX`.
@_silgen_name("mallopt") private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
private let glibcArenaMax: Int32 = -8
#endif
