public import Logging
public import PostgresNIO
import NIOCore
import VellumCore

/// The event log of DESIGN.md §3: appends go through the process's ``BatchingAppender``; reads go
/// straight to PostgreSQL.
public struct EventStore: Sendable {
    /// The connection pool; it must be running (it is a `Service`).
    public let client: PostgresClient
    /// The process's one appender; it must be running (it is a `Service`).
    public let appender: BatchingAppender
    public let logger: Logger

    /// A store over `client`, writing through `appender`.
    public init(client: PostgresClient, appender: BatchingAppender, logger: Logger) {
        self.client = client
        self.appender = appender
        self.logger = logger
    }

    /// Appends `events` to `streamID` if it is at `expected`; see ``BatchingAppender``.
    @discardableResult
    public func append(
        to streamID: String, expected: ExpectedVersion, events: [ProposedEvent]
    ) async throws -> [RecordedEvent] {
        try await appender.append(to: streamID, expected: expected, events: events)
    }

    /// The events of one stream in version order, starting after `afterVersion`.
    public func readStream(_ streamID: String, afterVersion: Int64 = 0) async throws -> [RecordedEvent] {
        let events = try Self.decode(try await client.collectedRows("""
            SELECT \(unescaped: Self.columns) FROM events
            WHERE stream_id = \(streamID) AND stream_version > \(afterVersion)
            ORDER BY stream_version
            """, logger: logger))
        if let last = events.last {
            // Read to the end: the append that follows plans on this head without reading it back.
            appender.heads.remember([streamID: StreamHead(version: last.version, hash: last.hash)])
        }
        return events
    }

    /// The stream's current version: 0 when it has no events.
    public func version(of streamID: String) async throws -> Int64 {
        let rows = try await client.query(
            "SELECT version FROM streams WHERE stream_id = \(streamID)", logger: logger)
        for try await version in rows.decode(Int64.self) { return version }
        return 0
    }

    /// Up to `limit` events of the whole log after `cursor`, in the gap-safe order
    /// `(tx_id, position)`, reading only transactions older than every one still running, so
    /// that an event whose transaction commits late is never passed over.
    public func readLog(after cursor: LogCursor = .start, limit: Int = 1_000) async throws -> [RecordedEvent] {
        try await client.withConnection { connection in
            try await Self.readLog(after: cursor, limit: limit, on: connection, logger: logger)
        }
    }

    /// ``readLog(after:limit:)`` on a given connection (a catch-up projection's transaction).
    /// `belowHorizon: false` reads whatever the transaction's snapshot shows, in-flight
    /// transactions' events excepted: for a reader that holds that snapshot to the end.
    static func readLog(after cursor: LogCursor, limit: Int, belowHorizon: Bool = true, on connection: PostgresConnection,
                        logger: Logger) async throws -> [RecordedEvent] {
        let rows = try await connection.collectedRows("""
            SELECT \(unescaped: Self.columns) FROM events
            WHERE (tx_id, position) > (\(String(cursor.transactionID))::xid8, \(cursor.position))
              AND (\(!belowHorizon) OR tx_id < pg_snapshot_xmin(pg_current_snapshot()))
            ORDER BY events.tx_id, events.position
            LIMIT \(limit)
            """, logger: logger)
        return try Self.decode(rows)
    }

    static let columns = """
        position, tx_id::text, stream_id, stream_version, type,
        (extract(epoch FROM recorded_at) * 1000000)::int8, payload::text, metadata::text, hash
        """

    /// Rows of ``columns`` as events (collected: ``PostgresConnection/collectedRows(_:logger:)``).
    static func decode(_ rows: PostgresQueryResult) throws -> [RecordedEvent] {
        try rows.map(decode)
    }

    static func decode(_ row: PostgresRow) throws -> RecordedEvent {
        let (position, transactionID, streamID, version, type, recordedAt, payload, metadata, hash) =
            try row.decode((Int64, String, String, Int64, String, Int64, String, String, ByteBuffer).self)
        return RecordedEvent(
            position: position, transactionID: UInt64(transactionID) ?? 0, streamID: streamID,
            version: version, type: type, recordedAt: Timestamp(microsecondsSinceEpoch: recordedAt),
            payload: payload, metadata: metadata, hash: Array(buffer: hash))
    }
}
