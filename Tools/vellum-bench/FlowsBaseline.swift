import Foundation
import Logging
import NIOCore
import PostgresNIO
import VellumCore
import VellumStore

/// What the database alone takes of complete flows: `tasks` concurrent tasks over the pool, each
/// writing `flowsPerTransaction` flows per transaction (3: 24 event rows, as the append baseline's
/// 24-row INSERTs) — their event rows (chained hashes, through the insert trigger) in one INSERT,
/// their streams' heads in another, and their inline projection rows (the same statements the
/// appender's batches run) — with none of the appender's logic: no queue, no planning, no version
/// check.
struct FlowsBaseline {
    let tasks: Int
    /// Where the tasks run, as the appender's requesters.
    let placement: TaskPlacement
    var flowsPerTransaction = 3

    /// Writes `flows` flows; returns events per second.
    func measure(flows: Int, client: PostgresClient, logger: Logger) async throws -> Double {
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                let perTransaction = flowsPerTransaction
                group.addTask(executorPreference: placement.nextExecutor()) {
                    let mine = Array(stride(from: task, to: flows, by: tasks))
                    for start in stride(from: 0, to: mine.count, by: perTransaction) {
                        let group = try mine[start..<min(start + perTransaction, mine.count)].map { try SyntheticFlow.events($0) }
                        try await Self.write(group, client: client, logger: logger)
                    }
                }
            }
            try await group.waitForAll()
        }
        return Double(flows * 8) / (ContinuousClock.now - start).seconds
    }

    private static func write(_ flows: [[ProposedEvent]], client: PostgresClient, logger: Logger) async throws {
        let now = Timestamp(Date())
        var rows: [(stream: String, version: Int64, event: ProposedEvent, hash: [UInt8])] = []
        var heads: [(String, Int64, [UInt8])] = []
        for proposed in flows {
            let stream = "flow-\(UUID().uuidString.lowercased())"
            var hash = EventHash.genesis
            for (offset, event) in proposed.enumerated() {
                hash = EventHash.compute(previous: hash, streamID: stream, version: Int64(offset + 1), type: event.type, recordedAt: now,
                                         payload: event.payload, metadata: event.metadata)
                rows.append((stream, Int64(offset + 1), event, hash))
            }
            heads.append((stream, Int64(proposed.count), hash))
        }
        try await client.withTransaction(logger: logger) { connection in
            var assigned: [(Int64, String)] = []
            for try await row in try await connection.execute(Insert(
                streams: rows.map(\.stream), versions: rows.map(\.version), types: rows.map(\.event.type), time: now.microsecondsSinceEpoch,
                payloads: rows.map(\.event.payload), metadata: rows.map(\.event.metadata), hashes: rows.map { ByteBuffer(bytes: $0.hash) }
            ), logger: logger) { assigned.append(row) }
            try await connection.query("""
                INSERT INTO streams (stream_id, version, head_hash)
                SELECT * FROM unnest(\(heads.map(\.0))::text[], \(heads.map(\.1))::int8[], \(heads.map { ByteBuffer(bytes: $0.2) })::bytea[])
                """, logger: logger)
            let recorded = zip(rows, assigned.sorted { $0.0 < $1.0 }).map { row, ids in
                RecordedEvent(position: ids.0, transactionID: UInt64(ids.1) ?? 0, streamID: row.stream, version: row.version,
                              type: row.event.type, recordedAt: now, payload: row.event.payload, metadata: row.event.metadata, hash: row.hash)
            }
            try await EventProjections().apply(recorded, on: connection, logger: logger)
        }
    }

    /// Prepared per connection, as the appender's statements are.
    struct Insert: PostgresPreparedStatement {
        static let sql = """
            INSERT INTO events (stream_id, stream_version, type, recorded_at, payload, metadata, hash)
            SELECT s, v, t, timestamptz 'epoch' + $4 * interval '1 microsecond', p::json, m::json, h
            FROM unnest($1::text[], $2::int8[], $3::text[], $5::text[], $6::text[], $7::bytea[]) WITH ORDINALITY AS x(s, v, t, p, m, h, n)
            ORDER BY n
            RETURNING position, tx_id::text
            """
        typealias Row = (Int64, String)
        let streams: [String]
        let versions: [Int64]
        let types: [String]
        let time: Int64
        let payloads: [String]
        let metadata: [String]
        let hashes: [ByteBuffer]

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 7)
            bindings.append(streams)
            bindings.append(versions)
            bindings.append(types)
            bindings.append(time)
            bindings.append(payloads)
            bindings.append(metadata)
            bindings.append(hashes)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }
}
