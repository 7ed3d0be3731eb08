public import Logging
public import PostgresNIO
import VellumMigrations

/// Applies the embedded migrations in version order, each once, all under one advisory lock, so
/// that several processes starting at once on one database migrate it exactly once.
public struct Migrator: Sendable {
    /// A stable key for `pg_advisory_xact_lock`: "vellum" in ASCII.
    static let advisoryLockKey: Int64 = 0x76_65_6C_6C_75_6D

    let client: PostgresClient
    let logger: Logger
    let migrations: [Migration]

    /// A migrator over `client` for the embedded migrations.
    public init(client: PostgresClient, logger: Logger) {
        self.init(client: client, logger: logger, migrations: EmbeddedMigrations.all)
    }

    init(client: PostgresClient, logger: Logger, migrations: [Migration]) {
        self.client = client
        self.logger = logger
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// Applies every migration not yet applied, in one transaction; returns the versions applied.
    @discardableResult
    public func migrate() async throws -> [Int] {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.advisoryLockKey))", logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    integer PRIMARY KEY,
                    name       text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, logger: logger)
            var applied = Set<Int>()
            for try await version in try await connection.query(
                "SELECT version FROM schema_migrations", logger: logger
            ).decode(Int.self) {
                applied.insert(version)
            }
            var newlyApplied: [Int] = []
            for migration in migrations where !applied.contains(migration.version) {
                logger.info("applying migration", metadata: ["migration": "\(migration.name)"])
                for statement in SQLScript.statements(in: migration.sql) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                    logger: logger)
                newlyApplied.append(migration.version)
            }
            return newlyApplied
        }
    }
}
