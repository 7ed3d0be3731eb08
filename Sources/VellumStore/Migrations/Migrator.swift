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

    /// The versions applied to the database, empty when it has no Vellum schema yet.
    public func appliedVersions() async throws -> Set<Int> {
        let exists = try await client.query("SELECT to_regclass('schema_migrations') IS NOT NULL", logger: logger)
        var hasTable = false
        for try await value in exists.decode(Bool.self) { hasTable = value }
        guard hasTable else { return [] }
        var applied = Set<Int>()
        for try await version in try await client.query("SELECT version FROM schema_migrations", logger: logger).decode(Int.self) {
            applied.insert(version)
        }
        return applied
    }

    /// Checks, without changing anything, that every migration this binary knows is applied, so
    /// that a command that needs no DDL (`vellum serve`, the operator commands, `vellum-audit`) can
    /// run as a role that may not migrate. Throws ``SchemaNotCurrent`` naming what is missing.
    public func requireCurrent() async throws {
        let applied = try await appliedVersions()
        let pending = migrations.filter { !applied.contains($0.version) }
        guard pending.isEmpty else {
            throw SchemaNotCurrent(pending: pending.map(\.name), fresh: applied.isEmpty)
        }
    }
}

/// The database's schema is behind this binary: run `vellum migrate` as the schema's owner.
public struct SchemaNotCurrent: Error, CustomStringConvertible, Sendable {
    public let pending: [String]
    public let fresh: Bool

    public var description: String {
        (fresh ? "the database has no Vellum schema yet" : "the database schema is not current (pending: \(pending.joined(separator: ", ")))")
            + ": run `vellum migrate` as the role that owns the schema, then start again"
    }
}
