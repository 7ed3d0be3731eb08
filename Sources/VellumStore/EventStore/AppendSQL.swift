import Foundation
import Logging
import NIOCore
import PostgresNIO
import VellumCore

/// The statements of one append batch: read the heads, then write every accepted event and move
/// every head in one statement. No row is locked in advance: each head moves only if it is still
/// at the version the batch planned on (or, for a new stream, if no one created it meanwhile), and
/// events are inserted only for streams whose head moved. A batch that lost a race writes fewer
/// streams than planned; the appender plans those again on fresh heads (rolling the batch back
/// first when inline projections share its transaction).
enum AppendSQL {
    /// The connection closed as a batch's statement was answered: whether it committed is unknown.
    struct CommitNotConfirmed: Error {}

    /// The current heads of `streamIDs` (streams without a row are absent).
    static func readHeads(
        _ streamIDs: [String], on connection: PostgresConnection, logger: Logger
    ) async throws -> [String: StreamHead] {
        var heads: [String: StreamHead] = [:]
        for try await (streamID, version, hash) in try await connection.execute(ReadHeads(streamIDs: streamIDs), logger: logger) {
            heads[streamID] = StreamHead(version: version, hash: hash.map { Array(buffer: $0) } ?? EventHash.genesis)
        }
        return heads
    }

    /// Writes the plan: moves the heads read as `before` to the plan's heads, creates the streams
    /// that had no row, and inserts the events of the streams whose head moved. Returns, per row of
    /// the plan, the event as recorded (nil when not written), and the streams whose head another
    /// writer moved first (none of their rows are written).
    ///
    /// With `projections`, the same statement writes their rows too (``FusedProjectionRows``).
    static func write(
        _ plan: AppendPlan, before: [String: StreamHead], projections: FusedProjectionRows? = nil,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> (recorded: [RecordedEvent?], lost: Set<String>) {
        let rows = if let projections {
            try await connection.execute(WriteBatchWithProjections(batch: WriteBatch(plan: plan, before: before), projections: projections), logger: logger)
        } else {
            try await connection.execute(WriteBatch(plan: plan, before: before), logger: logger)
        }
        var assigned: [(position: Int64, transactionID: String)] = []
        var written = Set<String>()
        assigned.reserveCapacity(plan.rows.count)
        for try await (position, transactionID, streamID) in rows {
            assigned.append((position, transactionID))
            written.insert(streamID)
        }
        try confirmCommitted(on: connection)
        // Identity values are drawn in insertion order, which follows `ORDER BY n`: sorted positions
        // line up with the written rows in plan order.
        assigned.sort { $0.position < $1.position }
        let transactionID = UInt64(assigned.first?.transactionID ?? "") ?? 0
        var next = assigned.makeIterator()
        let recorded = plan.rows.map { row -> RecordedEvent? in
            guard written.contains(row.streamID), let ids = next.next() else { return nil }
            return row.recorded(position: ids.position, transactionID: transactionID)
        }
        return (recorded, Set(plan.rows.map(\.streamID)).subtracting(written))
    }

    /// Throws ``CommitNotConfirmed`` if `connection` closed as the statement that just ended on it
    /// was answered.
    ///
    /// PostgresNIO (1.33) ends a statement at its `CommandComplete`, but an autocommit statement
    /// commits after that (at `Sync`): an error at its commit (a deferred constraint, a
    /// serialization failure under `SERIALIZABLE`) comes after the rows, and PostgresNIO answers it
    /// by closing the connection, not by failing the statement, so the statement looked written
    /// while nothing was (`CommitFailureTests`). PostgreSQL sends `CommandComplete` together with
    /// what follows it, at `ReadyForQuery`; on the connection's event loop, where the appender reads
    /// the reply, the rest of it has been handled by the time the rows are read.
    static func confirmCommitted(on connection: PostgresConnection) throws {
        guard !connection.isClosed else { throw CommitNotConfirmed() }
    }

    /// Prepared once per connection: the batch statements run hundreds of times a second, and
    /// parsing and planning them each time cost the database more than the rows do.
    struct ReadHeads: PostgresPreparedStatement {
        static let sql = "SELECT stream_id, version, head_hash FROM streams WHERE stream_id = ANY($1::text[])"
        typealias Row = (String, Int64, ByteBuffer?)
        let streamIDs: [String]

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(streamIDs)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    struct WriteBatch: PostgresPreparedStatement {
        static let sql = "WITH \(heads)\n\(insertEvents)"

        /// Moves the heads planned on (`moved`), creates the new streams (`created`): `written` holds
        /// the streams whose events are written. Parameters 1 to 7.
        static let heads = """
            moved AS (
                UPDATE streams SET version = h.v, head_hash = h.h
                FROM unnest($1::text[], $2::int8[], $3::int8[], $4::bytea[]) AS h(s, was, v, h)
                -- The ANY keeps the plan on the primary key however small the table looks.
                WHERE streams.stream_id = ANY($1::text[]) AND streams.stream_id = h.s AND streams.version = h.was
                RETURNING streams.stream_id
            ), created AS (
                INSERT INTO streams (stream_id, version, head_hash)
                SELECT s, v, h FROM unnest($5::text[], $6::int8[], $7::bytea[]) AS c(s, v, h)
                ORDER BY s
                ON CONFLICT (stream_id) DO NOTHING
                RETURNING stream_id
            ), written AS (
                SELECT stream_id FROM moved UNION ALL SELECT stream_id FROM created
            )
            """

        /// Inserts the events of the written streams. Parameters 8 to 14.
        static let insertEvents = """
            INSERT INTO events (stream_id, stream_version, type, recorded_at, payload, metadata, hash)
            SELECT s, v, t, timestamptz 'epoch' + r * interval '1 microsecond', p::json, m::json, h
            FROM unnest($8::text[], $9::int8[], $10::text[], $11::int8[], $12::text[], $13::text[], $14::bytea[])
                 WITH ORDINALITY AS x(s, v, t, r, p, m, h, n)
            WHERE x.s IN (SELECT stream_id FROM written)
            ORDER BY n
            RETURNING position, tx_id::text, stream_id
            """
        typealias Row = (Int64, String, String)
        let plan: AppendPlan
        let before: [String: StreamHead]

        func makeBindings() throws -> PostgresBindings {
            let heads = plan.heads.sorted { $0.key < $1.key }
            let moved = heads.filter { before[$0.key] != nil }
            let created = heads.filter { before[$0.key] == nil }
            let rows = plan.rows
            var bindings = PostgresBindings(capacity: 14)
            bindings.append(moved.map(\.key))
            bindings.append(moved.map { before[$0.key]!.version })
            bindings.append(moved.map(\.value.version))
            bindings.append(moved.map { ByteBuffer(bytes: $0.value.hash) })
            bindings.append(created.map(\.key))
            bindings.append(created.map(\.value.version))
            bindings.append(created.map { ByteBuffer(bytes: $0.value.hash) })
            bindings.append(rows.map(\.streamID))
            bindings.append(rows.map(\.version))
            bindings.append(rows.map(\.type))
            bindings.append(rows.map(\.recordedAt.microsecondsSinceEpoch))
            bindings.append(rows.map(\.payload))
            bindings.append(rows.map(\.metadata))
            bindings.append(rows.map { ByteBuffer(bytes: $0.hash) })
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// ``WriteBatch`` with the batch's projection rows: one statement, atomic on its own.
    struct WriteBatchWithProjections: PostgresPreparedStatement {
        static let sql = "WITH \(WriteBatch.heads),\n\(FusedProjectionRows.sql(firstParameter: 15))\n\(WriteBatch.insertEvents)"
        typealias Row = WriteBatch.Row
        let batch: WriteBatch
        let projections: FusedProjectionRows

        func makeBindings() throws -> PostgresBindings {
            var bindings = try batch.makeBindings()
            projections.bind(to: &bindings)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }
}

extension AppendSQL {
    /// The events `request` itself appended in an earlier attempt whose outcome was unknown: those
    /// of its stream whose metadata names its command, if there are exactly as many as it proposed.
    /// Nil when the request names no command or they are not there (the attempt did not commit).
    static func committedEvents(of request: AppendRequest, client: PostgresClient, logger: Logger) async throws -> [RecordedEvent]? {
        guard let metadata = request.events.first?.metadata,
              let commandID = (try? EventJSON.decodeValue(EventMetadata.self, from: metadata))?.commandID else { return nil }
        let events = try EventStore.decode(try await client.collectedRows("""
            SELECT \(unescaped: EventStore.columns) FROM events
            WHERE stream_id = \(request.streamID) AND metadata->>'command_id' = \(commandID)
            ORDER BY stream_version
            """, logger: logger))
        guard events.count == request.events.count,
              zip(events, request.events).allSatisfy({ $0.type == $1.type && $0.payload == $1.payload }) else { return nil }
        return events
    }
}
