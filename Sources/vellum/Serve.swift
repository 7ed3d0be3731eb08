import ArgumentParser
import Foundation
import Hummingbird
import VellumServer
import VellumStore

/// `vellum serve`: migrates the database, then serves until SIGINT or SIGTERM.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the authorization server.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Address to listen on (env VELLUM_HOST, default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (env VELLUM_PORT, default 8080).")
    var port: Int?

    @Option(help: "Issuer URL (env VELLUM_ISSUER, default http://HOST:PORT).")
    var issuer: String?

    func run() async throws {
        // glibc gives each thread that contends for malloc an arena of its own (up to eight per
        // core), and a server's threads hand buffers to one another: freed memory stays scattered
        // over arenas. Two arenas kept the peak resident memory of a loaded server from ~170 to
        // ~148 MiB at the same throughput (docs/performance.md).
        #if os(Linux)
        _ = glibcMallopt(glibcArenaMax, 2)
        #endif
        _ = try Environment.logFormat()
        let logger = Environment.logger()
        let host = host ?? Environment.value("VELLUM_HOST") ?? "127.0.0.1"
        guard let port = port ?? Environment.value("VELLUM_PORT").map({ Int($0) }) ?? 8080 else {
            throw ValidationError("VELLUM_PORT must be a port number")
        }
        var configuration = ServerConfiguration(host: host, port: port, issuer: issuer ?? Environment.value("VELLUM_ISSUER"))
        configuration.codeLifetime = try Environment.seconds("VELLUM_CODE_TTL") ?? configuration.codeLifetime
        configuration.accessTokenLifetime = try Environment.seconds("VELLUM_ACCESS_TOKEN_TTL") ?? configuration.accessTokenLifetime
        configuration.sessionLifetime = try Environment.seconds("VELLUM_SESSION_TTL") ?? configuration.sessionLifetime
        configuration.refreshTokenLifetime = try Environment.seconds("VELLUM_REFRESH_TOKEN_TTL") ?? configuration.refreshTokenLifetime
        configuration.refreshTokenIdleLifetime = try Environment.seconds("VELLUM_REFRESH_TOKEN_IDLE_TTL") ?? configuration.refreshTokenIdleLifetime
        configuration.refreshReuseGrace = try Environment.seconds("VELLUM_REFRESH_REUSE_GRACE", allowZero: true) ?? configuration.refreshReuseGrace
        configuration.keyActivationDelay = try Environment.seconds("VELLUM_KEY_ACTIVATION_DELAY", allowZero: true) ?? configuration.keyActivationDelay
        configuration.pruneAfter = try Environment.seconds("VELLUM_PRUNE_AFTER", allowZero: true) ?? configuration.pruneAfter
        configuration.maintenanceInterval = try Environment.seconds("VELLUM_MAINTENANCE_INTERVAL") ?? configuration.maintenanceInterval
        configuration.sealInterval = try Environment.seconds("VELLUM_SEAL_INTERVAL") ?? configuration.sealInterval
        configuration.checkpointFile = Environment.value("VELLUM_CHECKPOINT_FILE")
        configuration.auditKeyFile = Environment.value("VELLUM_AUDIT_KEY_FILE")
        switch Environment.value("VELLUM_SEALER")?.lowercased() {
        case nil, "on", "true", "1": configuration.sealerEnabled = true
        case "off", "false", "0": configuration.sealerEnabled = false
        case let other?: throw ValidationError("VELLUM_SEALER must be on or off, not '\(other)'")
        }
        configuration.flowLifetime = try Environment.seconds("VELLUM_FLOW_TTL") ?? configuration.flowLifetime
        configuration.requestTimeout = try Environment.seconds("VELLUM_REQUEST_TIMEOUT").map { .seconds($0) } ?? configuration.requestTimeout
        configuration.defaultAudience = Environment.value("VELLUM_DEFAULT_AUDIENCE").map { $0.split(separator: " ").map(String.init) }
        configuration.templatesDirectory = Environment.value("VELLUM_TEMPLATES_DIR")
        if let proxies = Environment.value("VELLUM_TRUSTED_PROXIES") {
            do { configuration.trustedProxies = try TrustedProxies(parsing: proxies) }
            catch { throw ValidationError("VELLUM_TRUSTED_PROXIES: \(error)") }
        }
        switch Environment.value("VELLUM_ACCESS_LOG")?.lowercased() {
        case nil, "on", "true", "1": configuration.accessLog = true
        case "off", "false", "0": configuration.accessLog = false
        case let other?: throw ValidationError("VELLUM_ACCESS_LOG must be on or off, not '\(other)'")
        }
        configuration.loginFailuresBeforeDelay = try Environment.count("VELLUM_LOGIN_FAILURES_BEFORE_DELAY")
            ?? configuration.loginFailuresBeforeDelay
        let masterKey = try MasterKey.load(
            environment: ProcessInfo.processInfo.environment, dataDirectory: database.dataDirectoryPath, logger: logger)

        let settings = configuration
        try await Database.using(database.location, logger: logger) { opened in
            let application = try buildApplication(
                configuration: settings, database: opened.configuration, masterKey: masterKey, logger: logger)
            try await application.runService()
        }
    }
}

#if os(Linux)
/// glibc's `mallopt` (malloc.h, which the Glibc module does not export) and its `M_ARENA_MAX`.
@_silgen_name("mallopt") private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
private let glibcArenaMax: Int32 = -8
#endif
