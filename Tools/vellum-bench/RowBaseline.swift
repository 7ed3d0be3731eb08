import Foundation
import PostgresNIO
import VellumCore

/// What the database alone takes of event rows: `tasks` concurrent tasks over the pool, each
/// inserting its own stream's events as multi-row INSERTs of `rowsPerInsert` rows (one transaction
/// each), with the same sizes, chained hashes and unique keys as the appender writes, through the
/// same insert trigger, and nothing else (no heads, no batching logic).
struct RowBaseline {
    struct Result {
        let rows: Int
        let rowsPerInsert: Int
        let rowsPerSecond: Double
    }

    let tasks: Int
    let rowsPerInsert: Int
    /// Where the tasks run, as the appender's requesters.
    let placement: TaskPlacement

    static let payload = #"{"client_id":"bench","scope":"openid profile","redirect_uri":"https://app.example/callback"}"#
    static let metadata = #"{"request_id":"00000000-0000-0000-0000-000000000000","remote_ip":"127.0.0.1","actor":"system"}"#

    func measure(count: Int, warmup: Int, client: PostgresClient) async throws -> Result {
        let run = UUID().uuidString.prefix(8)
        _ = try await insertAll(count: warmup, prefix: "baseline-\(run)-warm", client: client)
        let start = ContinuousClock.now
        let rows = try await insertAll(count: count, prefix: "baseline-\(run)", client: client)
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Result(rows: rows, rowsPerInsert: rowsPerInsert, rowsPerSecond: Double(rows) / seconds)
    }

    private func insertAll(count: Int, prefix: String, client: PostgresClient) async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<tasks {
                let share = count / tasks + (task < count % tasks ? 1 : 0)
                let rowsPerInsert = rowsPerInsert
                group.addTask(executorPreference: placement.nextExecutor()) {
                    let stream = "\(prefix)-\(task)"
                    var hash = EventHash.genesis
                    var version: Int64 = 0
                    while version < Int64(share) {
                        let rows = min(rowsPerInsert, share - Int(version))
                        var versions: [Int64] = [], hashes: [ByteBuffer] = [], times: [Int64] = []
                        let now = Timestamp(Date())
                        for _ in 0..<rows {
                            version += 1
                            hash = EventHash.compute(previous: hash, streamID: stream, version: version, type: "BenchmarkEventAppended",
                                                     recordedAt: now, payload: Self.payload, metadata: Self.metadata)
                            versions.append(version)
                            hashes.append(ByteBuffer(bytes: hash))
                            times.append(now.microsecondsSinceEpoch)
                        }
                        try await client.withConnection { connection in
                            try await connection.execute(Insert(stream: stream, versions: versions, times: times, hashes: hashes),
                                                         logger: connection.logger)
                        }
                    }
                    return share
                }
            }
            return try await group.reduce(0, +)
        }
    }

    /// Prepared per connection, as the appender's statements are.
    struct Insert: PostgresPreparedStatement {
        static let sql = """
            INSERT INTO events (stream_id, stream_version, type, recorded_at, payload, metadata, hash)
            SELECT $1, v, 'BenchmarkEventAppended', timestamptz 'epoch' + r * interval '1 microsecond', $2::json, $3::json, h
            FROM unnest($4::int8[], $5::int8[], $6::bytea[]) AS x(v, r, h)
            """
        typealias Row = ()
        let stream: String
        let versions: [Int64]
        let times: [Int64]
        let hashes: [ByteBuffer]

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 6)
            bindings.append(stream)
            bindings.append(RowBaseline.payload)
            bindings.append(RowBaseline.metadata)
            bindings.append(versions)
            bindings.append(times)
            bindings.append(hashes)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { () }
    }
}
