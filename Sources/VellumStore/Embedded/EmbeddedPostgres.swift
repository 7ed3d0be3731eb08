public import Foundation
public import Logging
import NIOPosix
public import PostgresNIO

/// A private PostgreSQL cluster under a data directory (DESIGN.md §8): created with `initdb` on
/// first use, started with `pg_ctl` on a Unix socket inside that directory (no TCP port), shared by
/// every command that uses the same directory, and stopped by the last of them to finish.
public struct EmbeddedPostgres: Sendable {
    /// The bootstrap superuser of the cluster.
    public static let superuser = "vellum"
    /// The database Vellum keeps its log in.
    public static let database = "vellum"
    /// The port only names the socket file (`.s.PGSQL.5432`): the cluster listens on no TCP port.
    static let port = 5432

    /// `--data-dir`: holds the cluster (`postgres/`), its log and the lock files.
    public let dataDirectory: URL
    /// Durability off (`fsync`, `synchronous_commit`): only for throw-away clusters in tests.
    public let ephemeral: Bool

    /// A cluster under `dataDirectory` (made absolute).
    public init(dataDirectory: String, ephemeral: Bool = false) {
        let workingDirectory = URL(filePath: FileManager.default.currentDirectoryPath, directoryHint: .isDirectory)
        let absolute = URL(filePath: dataDirectory, directoryHint: .isDirectory, relativeTo: workingDirectory)
        self.dataDirectory = absolute.standardizedFileURL
        self.ephemeral = ephemeral
    }

    var clusterDirectory: URL { dataDirectory.appending(path: "postgres") }
    /// The directory holding the server's Unix socket.
    public var socketDirectory: String { clusterDirectory.path }
    /// The Unix socket to connect to.
    public var socketPath: String { "\(socketDirectory)/.s.PGSQL.\(Self.port)" }

    /// A connection configuration for `database` on this cluster, as its superuser.
    public func configuration(database: String = EmbeddedPostgres.database) -> PostgresClient.Configuration {
        PostgresClient.Configuration(unixSocketPath: socketPath, username: Self.superuser, password: nil, database: database)
    }

    /// Creates the cluster if needed, starts it if it is not running, makes sure the `vellum`
    /// database exists, and registers this process as a user of the cluster until the returned
    /// lease is released. Blocking work runs on NIO's thread pool.
    public func start(logger: Logger) async throws -> EmbeddedPostgresLease {
        ClusterExit.starting()
        let lease: EmbeddedPostgresLease
        do {
            lease = try await NIOThreadPool.singleton.runIfActive { try startBlocking(logger: logger) }
        } catch {
            ClusterExit.started(nil)
            throw error
        }
        ClusterExit.started(lease)
        try await createDatabaseIfMissing(Self.database, logger: logger)
        return lease
    }

    private func startBlocking(logger: Logger) throws -> EmbeddedPostgresLease {
        let binaries = try PostgresBinaries.locate()
        let command = try ClusterCommand.forCurrentUser()
        guard socketPath.utf8.count < 104 else {
            throw EmbeddedPostgresError("the data directory path is too long for a Unix socket (\(socketPath)): choose a shorter --data-dir")
        }
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let setupLock = try UsageLock(path: dataDirectory.appending(path: "setup.lock").path)
        setupLock.lockExclusive()
        defer { setupLock.unlock() }

        let usage = try UsageLock(path: dataDirectory.appending(path: "usage.lock").path)
        usage.lockShared()

        if !FileManager.default.fileExists(atPath: clusterDirectory.appending(path: "PG_VERSION").path) {
            try initialize(binaries: binaries, command: command, logger: logger)
        }
        let status = try command.run(binaries.pgCtl, ["-D", clusterDirectory.path, "status"], allowFailure: true)
        if status.status != 0 {
            logger.info("starting embedded PostgreSQL", metadata: ["data_dir": "\(clusterDirectory.path)"])
            try command.run(binaries.pgCtl, [
                "-D", clusterDirectory.path, "-l", clusterDirectory.appending(path: "server.log").path,
                "-w", "-t", "120", "-s", "start",
            ])
        }
        return EmbeddedPostgresLease(cluster: self, binaries: binaries, command: command, usage: usage, logger: logger)
    }

    private func initialize(binaries: PostgresBinaries, command: ClusterCommand, logger: Logger) throws {
        logger.notice("creating embedded PostgreSQL cluster", metadata: ["data_dir": "\(clusterDirectory.path)"])
        if let account = command.account {
            // The server's account must be able to reach its directory through ours.
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dataDirectory.path)
            logger.notice("running the embedded PostgreSQL as the unprivileged account '\(account.name)'")
        }
        try FileManager.default.createDirectory(at: clusterDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        try command.giveOwnership(of: clusterDirectory.path)
        let result = try command.run(binaries.initdb, [
            "-D", clusterDirectory.path, "-U", Self.superuser, "--auth=trust", "--encoding=UTF8",
            "--locale=C", "--no-instructions",
        ] + (ephemeral ? ["--no-sync"] : []), allowFailure: true)
        guard result.status == 0 else {
            try? FileManager.default.removeItem(at: clusterDirectory)
            throw EmbeddedPostgresError("initdb failed (exit \(result.status)). "
                + (command.account.map { "Can the account '\($0.name)' reach \(dataDirectory.path)? " } ?? "")
                + result.output)
        }
        var settings = """

            # Vellum embedded cluster: a Unix socket in this directory, no TCP port.
            listen_addresses = ''
            unix_socket_directories = '\(socketDirectory)'
            max_connections = 200

            """
        if ephemeral {
            // A throw-away cluster (the test suite): no durability, room for every test's pools (at 400
            // the suite, dozens of servers with two pools each at once, met "too many clients").
            settings += "shared_buffers = 256MB\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 1000\n"
        } else {
            settings += "shared_buffers = \(Self.sharedBuffersMiB(physicalMemory: ProcessInfo.processInfo.physicalMemory))MB\n"
        }
        let configuration = clusterDirectory.appending(path: "postgresql.conf")
        let handle = try FileHandle(forWritingTo: configuration)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(settings.utf8))
        try handle.close()
    }

    /// PostgreSQL's advice for a dedicated server, a quarter of the memory, between 256 MiB and
    /// 8 GiB. The token path's indexes on random keys (code and token hashes) and the log's
    /// per-stream index must stay in shared buffers as the log grows, or every write reads pages
    /// back (at ten million events with 256 MiB, a redemption read ~40 pages).
    static func sharedBuffersMiB(physicalMemory: UInt64) -> UInt64 {
        min(max(physicalMemory / 4 / 1_048_576, 256), 8_192)
    }

    /// Stops the cluster whoever uses it (for clearing away a cluster left by a dead process).
    public func stopUnconditionally() throws {
        let binaries = try PostgresBinaries.locate()
        let command = try ClusterCommand.forCurrentUser()
        try command.run(binaries.pgCtl, ["-D", clusterDirectory.path, "-m", "immediate", "-w", "-s", "stop"], allowFailure: true)
    }

    /// Creates `database` if it does not exist (the cluster must be running).
    public func createDatabaseIfMissing(_ database: String, template: String? = nil, logger: Logger) async throws {
        let connection = try await PostgresConnection.connect(
            configuration: .init(unixSocketPath: socketPath, username: Self.superuser, password: nil, database: "postgres"),
            id: 0, logger: logger)
        defer { Task { try? await connection.close() } }
        let existing = try await connection.query("SELECT 1 FROM pg_database WHERE datname = \(database)", logger: logger)
        for try await _ in existing { return }
        // FILE_COPY copies the template's files instead of writing every page to the WAL: much
        // faster for the small template databases tests copy, and it holds its transaction (and
        // with it the cluster-wide horizon that gap-safe readers wait on) for less time.
        let templateClause = template.map { " TEMPLATE \(quoteIdentifier($0)) STRATEGY FILE_COPY" } ?? ""
        try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(quoteIdentifier(database))\(templateClause)"),
                                   logger: logger)
    }
}

/// Double-quotes an SQL identifier, doubling any quote inside it.
func quoteIdentifier(_ identifier: String) -> String {
    "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

/// A process's use of an embedded cluster. Releasing the last lease stops the cluster.
public final class EmbeddedPostgresLease: Sendable {
    /// The cluster in use.
    public let cluster: EmbeddedPostgres
    private let binaries: PostgresBinaries
    private let command: ClusterCommand
    private let usage: UsageLock
    private let logger: Logger

    init(cluster: EmbeddedPostgres, binaries: PostgresBinaries, command: ClusterCommand, usage: UsageLock, logger: Logger) {
        self.cluster = cluster
        self.binaries = binaries
        self.command = command
        self.usage = usage
        self.logger = logger
    }

    /// Ends this process's use of the cluster; stops the cluster if no other process uses it.
    /// Returns whether it stopped the cluster.
    @discardableResult
    public func release() async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { try self.releaseBlocking() }
    }

    /// As ``release()``, for exit handlers that cannot wait asynchronously.
    @discardableResult
    public func releaseBlocking() throws -> Bool {
        ClusterExit.released(self)
        return try stopIfLastUser()
    }

    /// Stops the cluster unless another process uses it.
    func stopIfLastUser() throws -> Bool {
        let setupLock = try UsageLock(path: cluster.dataDirectory.appending(path: "setup.lock").path)
        setupLock.lockExclusive()
        defer { setupLock.unlock() }
        guard usage.tryLockExclusive() else {
            logger.info("embedded PostgreSQL is still used by another process; leaving it running")
            return false
        }
        defer { usage.unlock() }
        logger.info("stopping embedded PostgreSQL")
        try command.run(binaries.pgCtl, ["-D", cluster.clusterDirectory.path, "-m", "fast", "-w", "-t", "120", "-s", "stop"],
                        allowFailure: true)
        return true
    }
}
