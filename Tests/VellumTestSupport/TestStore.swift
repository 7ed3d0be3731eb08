import Foundation
import VellumCore
public import Logging
public import PostgresNIO
public import VellumStore

/// A running event store on a database of its own, for one test.
public struct TestStore: Sendable {
    /// The store under test.
    public let store: EventStore
    /// How to connect to this test's database (for a second "instance" or raw SQL).
    public let configuration: PostgresClient.Configuration

    /// The pool of the store.
    public var client: PostgresClient { store.client }

    /// Waits (up to a minute) until the gap-safe horizon has passed every event of this test's log.
    /// Transaction ids are the cluster's: a test running meanwhile in another database (a CREATE
    /// DATABASE, a transaction held open) holds the horizon back for every database. The horizon
    /// only moves forward, so once passed, what was appended before stays below it.
    public func waitForTheHorizonToPassTheLog() async throws {
        for _ in 0..<600 {
            let passed = try await client.query("""
                SELECT coalesce(max(tx_id) < pg_snapshot_xmin(pg_current_snapshot()), true) FROM events
                """, logger: TestCluster.logger).decode(Bool.self).reduce(true) { $0 && $1 }
            if passed { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HorizonHeldBack()
    }

    /// Runs `body` with a fresh migrated database, a running pool and a running appender.
    @discardableResult
    public static func with<Result: Sendable>(
        _ body: @Sendable (TestStore) async throws -> Result
    ) async throws -> Result {
        let configuration = try await TestCluster.makeDatabase()
        return try await withRunningStore(configuration: configuration) { store in
            try await body(TestStore(store: store, configuration: configuration))
        }
    }
}

/// Runs `body` with a pool and an appender on `configuration`, both running for its duration, the
/// way one `vellum serve` instance runs them.
public func withRunningStore<Result: Sendable>(
    configuration: PostgresClient.Configuration,
    logger: Logger = TestCluster.logger,
    _ body: @Sendable (EventStore) async throws -> Result
) async throws -> Result {
    let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    let appenderClient = PostgresClient(configuration: BatchingAppender.poolConfiguration(from: configuration), backgroundLogger: logger)
    let appender = BatchingAppender(client: appenderClient, projections: [EventProjections()], logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        group.addTask { await appenderClient.run() }
        group.addTask { try await appender.run() }
        defer { group.cancelAll() }
        return try await body(EventStore(client: client, appender: appender, logger: logger))
    }
}

/// Runs `body` on one dedicated connection to `configuration` (for transactions held open, roles
/// and tampering as superuser).
public func withConnection<Result: Sendable>(
    _ configuration: PostgresClient.Configuration,
    logger: Logger = TestCluster.logger,
    _ body: @Sendable (PostgresConnection) async throws -> Result
) async throws -> Result {
    let connection: PostgresConnection
    do {
        connection = try await PostgresConnection.connect(
            configuration: PostgresConnection.Configuration(
                unixSocketPath: configuration.unixSocketPath ?? "", username: configuration.username,
                password: configuration.password, database: configuration.database),
            id: 1, logger: logger)
    } catch {
        throw DatabaseTestError(error)
    }
    do {
        let result = try await body(connection)
        try await connection.close()
        return result
    } catch {
        try? await connection.close()
        throw DatabaseTestError(error)
    }
}

/// A database error with what PostgreSQL said (PSQLError's own description hides it), so that a
/// failing test tells why.
public struct DatabaseTestError: Error, CustomStringConvertible {
    public let underlying: any Error
    public let description: String

    init(_ error: any Error) {
        underlying = error
        if let psql = error as? PSQLError {
            description = "PSQLError \(psql.code): \(psql.serverInfo?[.sqlState] ?? "") \(psql.serverInfo?[.message] ?? "")"
                + (psql.underlying.map { " (\($0))" } ?? "")
        } else {
            description = String(reflecting: error)
        }
    }
}

/// A small event for tests: type `type`, payload `{"n": n}`, metadata naming a command of its own
/// (as every production append does), so that an append whose commit outlived the appender's
/// deadline on a loaded machine is recognised when retried instead of failing as a conflict.
public func testEvent(_ n: Int, type: String = "TestEventRecorded") -> ProposedEvent {
    ProposedEvent(type: type, payload: #"{"n": \#(n)}"#, metadata: testMetadata(requestID: "r-\(n)"))
}

/// Event metadata for tests, with a fresh command id.
public func testMetadata(requestID: String? = nil) -> String {
    let metadata = EventMetadata(requestID: requestID, instance: "tests", actor: .operator("tests"))
    return try! EventJSON.encodeValue(metadata.forCommand(UUID().uuidString.lowercased()))
}

/// The cluster's gap-safe horizon stayed behind a test's log for a minute.
public struct HorizonHeldBack: Error {}

/// Runs `body` — blocking work: reading a child process's output to its end, waiting for it to
/// exit — on a thread of its own, never on the concurrency pool's (two threads on this machine:
/// two tests waiting on a child at once stalled every other test's in-process server, whose
/// requests then timed out after 60 s).
public func onItsOwnThread<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Swift.Result { try body() }) }.start()
    }
}
