import Foundation
public import Logging
public import PostgresNIO
public import VellumStore
#if canImport(Glibc)
import Glibc
#endif

/// The throw-away PostgreSQL cluster of one test run (DESIGN.md §8): started on first use with the
/// same launcher as `vellum serve`, with a migrated template database from which every test gets a
/// database of its own, and stopped and removed when the test process exits.
public enum TestCluster {
    private static let directoryPrefix = "vellum-tests-"
    static let templateDatabase = "vellum_template"

    /// The running cluster; the first caller starts it, the others wait for it.
    public static func shared() async throws -> EmbeddedPostgres {
        try await Starter.shared.cluster()
    }

    /// A fresh database with the event store schema, for one test.
    public static func makeDatabase(logger: Logger = TestCluster.logger) async throws -> PostgresClient.Configuration {
        let cluster = try await shared()
        let name = "test_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        try await cluster.createDatabaseIfMissing(name, template: templateDatabase, logger: logger)
        // Every test runs at once, each with a server pool and a store pool: small pools keep the
        // whole suite under the cluster's max_connections.
        var configuration = cluster.configuration(database: name)
        configuration.options.maximumConnections = 8
        return configuration
    }

    /// Quiet unless `VELLUM_TEST_LOG_LEVEL` says otherwise.
    public static let logger: Logger = {
        var logger = Logger(label: "vellum-tests")
        logger.logLevel = ProcessInfo.processInfo.environment["VELLUM_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return logger
    }()

    private actor Starter {
        static let shared = Starter()
        private var started: Task<EmbeddedPostgres, any Error>?

        func cluster() async throws -> EmbeddedPostgres {
            if let started { return try await started.value }
            let task = Task { try await TestCluster.start() }
            started = task
            return try await task.value
        }
    }

    private static func start() async throws -> EmbeddedPostgres {
        removeStaleClusters()
        let directory = FileManager.default.temporaryDirectory.appending(path: "\(directoryPrefix)\(getpid())").path
        let cluster = EmbeddedPostgres(dataDirectory: directory, ephemeral: true)
        let lease = try await cluster.start(logger: logger)
        ExitHook.install(lease: lease, directory: directory)
        try await cluster.createDatabaseIfMissing(templateDatabase, logger: logger)
        try await Database(configuration: cluster.configuration(database: templateDatabase)).withClient(logger: logger) { client in
            try await Migrator(client: client, logger: logger).migrate()
        }
        return cluster
    }

    /// Stops and removes clusters left by test runs whose process died before its exit hook ran.
    private static func removeStaleClusters() {
        let temporary = FileManager.default.temporaryDirectory
        let names = (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []
        for name in names where name.hasPrefix(directoryPrefix) {
            guard let pid = Int32(name.dropFirst(directoryPrefix.count)), kill(pid, 0) != 0, errno == ESRCH else { continue }
            let directory = temporary.appending(path: name).path
            let cluster = EmbeddedPostgres(dataDirectory: directory, ephemeral: true)
            try? cluster.stopUnconditionally()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }
}

/// Stops the cluster when the test process exits: Swift Testing has no hook after the last test.
private enum ExitHook {
    nonisolated(unsafe) static var lease: EmbeddedPostgresLease?
    nonisolated(unsafe) static var directory: String?

    static func install(lease: EmbeddedPostgresLease, directory: String) {
        self.lease = lease
        self.directory = directory
        atexit {
            _ = try? ExitHook.lease?.releaseBlocking()
            if let directory = ExitHook.directory { try? FileManager.default.removeItem(atPath: directory) }
        }
    }
}

extension TestCluster {
    /// Disables the log's triggers, as only the tables' owner (or a superuser) can: what an
    /// administrator tampering with the log would do first.
    public static func disableGuards(on connection: PostgresConnection) async throws {
        for table in ["events", "seals", "checkpoints"] {
            try await connection.query(PostgresQuery(unsafeSQL: "ALTER TABLE \(table) DISABLE TRIGGER USER"), logger: logger)
        }
    }
}
