public import Foundation
public import Logging
public import PostgresNIO

/// Where a command keeps its log: a server named by URL, or the embedded cluster in a data
/// directory (DESIGN.md §7, §8).
public enum DatabaseLocation: Sendable {
    /// `--database-url` / `VELLUM_DATABASE_URL`.
    case url(String)
    /// `--data-dir` / `VELLUM_DATA_DIR`: the embedded cluster.
    case embedded(dataDirectory: String)

    /// The URL when one is given (and not empty), otherwise the embedded cluster in `dataDirectory`.
    public init(url: String?, dataDirectory: String) {
        if let url, !url.isEmpty {
            self = .url(url)
        } else {
            self = .embedded(dataDirectory: dataDirectory)
        }
    }

    /// The location from command-line options, falling back to `VELLUM_DATABASE_URL` and
    /// `VELLUM_DATA_DIR`, then to the embedded cluster in `defaultDataDirectory`.
    public static func resolve(
        url: String?, dataDirectory: String?, defaultDataDirectory: String = ".vellum",
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> DatabaseLocation {
        func nonEmpty(_ value: String?) -> String? { value?.isEmpty == false ? value : nil }
        return DatabaseLocation(
            url: nonEmpty(url) ?? nonEmpty(environment["VELLUM_DATABASE_URL"]),
            dataDirectory: nonEmpty(dataDirectory) ?? nonEmpty(environment["VELLUM_DATA_DIR"]) ?? defaultDataDirectory)
    }
}

/// An opened database: the configuration to connect with, and the embedded cluster's lease when
/// there is one (release it when the command ends, after the client has stopped).
public struct Database: Sendable {
    /// How to connect.
    public var configuration: PostgresClient.Configuration
    /// The embedded cluster this process uses, if any.
    public let embedded: EmbeddedPostgresLease?

    /// A database at `configuration`; `embedded` is the cluster lease to release on close, if any.
    public init(configuration: PostgresClient.Configuration, embedded: EmbeddedPostgresLease? = nil) {
        self.configuration = configuration
        self.embedded = embedded
    }

    /// Resolves `location`, starting the embedded cluster if that is where the log is.
    ///
    /// A URL names its role itself. On the embedded cluster `role` picks the login role: the
    /// cluster's owner for `vellum migrate`; for everything else the schema is first brought up to
    /// date as the owner (the embedded cluster has no separate operator to do it), then the command
    /// connects as `vellum_server` (in `vellum_app`) or `vellum_audit` (in `vellum_auditor`), which
    /// can neither change the schema nor disable its guards.
    public static func open(_ location: DatabaseLocation, as role: DatabaseRole = .application, logger: Logger) async throws -> Database {
        switch location {
        case .url(let url):
            return Database(configuration: try DatabaseURL(url).configuration, embedded: nil)
        case .embedded(let dataDirectory):
            let cluster = EmbeddedPostgres(dataDirectory: dataDirectory)
            let lease = try await cluster.start(logger: logger)
            let owner = Database(configuration: cluster.configuration(), embedded: lease)
            guard let loginRole = role.embeddedLoginRole else { return owner }
            do {
                try await owner.withClient(logger: logger) { client in
                    try await Migrator(client: client, logger: logger).migrate()
                    try await EmbeddedRoles.ensure(on: client, logger: logger)
                }
            } catch {
                await owner.close()
                throw error
            }
            var configuration = cluster.configuration()
            configuration.username = loginRole
            return Database(configuration: configuration, embedded: lease)
        }
    }

    /// Opens `location`, runs `body`, and closes the database again, whether `body` succeeds or not.
    @discardableResult
    public static func using<Result: Sendable>(
        _ location: DatabaseLocation, as role: DatabaseRole = .application, logger: Logger,
        _ body: @Sendable (Database) async throws -> Result
    ) async throws -> Result {
        let database = try await open(location, as: role, logger: logger)
        do {
            let result = try await body(database)
            await database.close()
            return result
        } catch {
            await database.close()
            throw error
        }
    }

    /// Ends this process's use of the embedded cluster (stopping it if no other process uses it).
    public func close() async {
        _ = try? await embedded?.release()
    }
}

extension Database {
    /// Runs `body` with a connection pool that is running for exactly its duration.
    @discardableResult
    public func withClient<Result: Sendable>(
        logger: Logger, _ body: @Sendable (PostgresClient) async throws -> Result
    ) async throws -> Result {
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            // Let the pool's run loop start before the first query asks it for a connection.
            await Task.yield()
            return try await body(client)
        }
    }
}

extension Database {
    /// Runs `body` with the event store (pool and appender running, inline projections on), for
    /// commands that append: `vellum clients create`, `vellum users create`. The schema must be
    /// current (``Migrator/requireCurrent()``): these commands never change it.
    @discardableResult
    public func withStore<Result: Sendable>(
        logger: Logger, _ body: @Sendable (EventStore) async throws -> Result
    ) async throws -> Result {
        try await withClient(logger: logger) { client in
            try await Migrator(client: client, logger: logger).requireCurrent()
            let appender = BatchingAppender(client: client, projections: [EventProjections()], logger: logger)
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await appender.run() }
                defer { group.cancelAll() }
                return try await body(EventStore(client: client, appender: appender, logger: logger))
            }
        }
    }
}
