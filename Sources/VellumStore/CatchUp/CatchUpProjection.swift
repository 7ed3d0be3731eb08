public import Logging
public import PostgresNIO

/// A projection that follows the log asynchronously (DESIGN.md §4): it reads the events after its
/// checkpoint in the gap-safe order and writes its rows and its new checkpoint in one transaction,
/// so a crash between two batches loses nothing and applies nothing twice.
public protocol CatchUpProjection: Sendable {
    /// The name its checkpoint is kept under in `projection_checkpoints`.
    var name: String { get }
    /// Applies `events` (in gap-safe order) on the batch's transaction.
    func apply(_ events: [RecordedEvent], on connection: PostgresConnection, logger: Logger) async throws
}

/// Runs catch-up projections: one batch at a time, one instance at a time per projection (a
/// transaction-scoped advisory lock; other instances skip the round).
public struct CatchUpRunner: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Applies up to `limit` events after the projection's checkpoint; returns how many (0: caught
    /// up, or another instance holds the projection).
    @discardableResult
    public func runOnce(_ projection: some CatchUpProjection, limit: Int = 5_000) async throws -> Int {
        let logger = logger
        // A batch on a connection that closed under it is abandoned rather than awaited for ever
        // (``outcome(of:unlessClosed:)``): the next round goes on.
        return try await withConnection(of: client) { connection in
            try await connection.withTransaction(logger: logger) { connection in
                let locked = try await connection.query(
                    "SELECT pg_try_advisory_xact_lock(hashtextextended(\(projection.name), 7))", logger: logger)
                var acquired = false
                for try await value in locked.decode(Bool.self) { acquired = value }
                guard acquired else { return 0 }

                var cursor = LogCursor.start
                let stored = try await connection.query(
                    "SELECT tx_id::text, position FROM projection_checkpoints WHERE name = \(projection.name)", logger: logger)
                for try await (transactionID, position) in stored.decode((String, Int64).self) {
                    cursor = LogCursor(transactionID: UInt64(transactionID) ?? 0, position: position)
                }
                let events = try await EventStore.readLog(after: cursor, limit: limit, on: connection, logger: logger)
                guard let last = events.last else { return 0 }
                try await projection.apply(events, on: connection, logger: logger)
                try await connection.query("""
                    INSERT INTO projection_checkpoints (name, tx_id, position)
                    VALUES (\(projection.name), \(String(last.transactionID))::xid8, \(last.position))
                    ON CONFLICT (name) DO UPDATE SET tx_id = EXCLUDED.tx_id, position = EXCLUDED.position
                    """, logger: logger)
                return events.count
            }
        }
    }

    /// Runs batches until the projection has caught up; returns the events applied.
    @discardableResult
    public func catchUp(_ projection: some CatchUpProjection, batch: Int = 5_000) async throws -> Int {
        var total = 0
        while true {
            let applied = try await runOnce(projection, limit: batch)
            total += applied
            if applied < batch { return total }
        }
    }
}
