import Foundation
import Logging
import NIOCore
import PostgresNIO
import VellumCore

/// The statements of one append batch. Each touches every row of the batch in one round trip.
enum AppendSQL {
    /// Locks the heads of `streamIDs` (creating empty ones at version 0), always in stream-id
    /// order, so that concurrent batches on several instances cannot deadlock.
    static func lockHeads(
        _ streamIDs: [String], on connection: PostgresConnection, logger: Logger
    ) async throws -> [String: StreamHead] {
        let rows = try await connection.query("""
            INSERT INTO streams (stream_id, version, head_hash)
            SELECT s, 0, NULL FROM unnest(\(streamIDs)::text[]) AS s ORDER BY s
            ON CONFLICT (stream_id) DO UPDATE SET version = streams.version
            RETURNING stream_id, version, head_hash
            """, logger: logger)
        var heads: [String: StreamHead] = [:]
        for try await (streamID, version, hash) in rows.decode((String, Int64, ByteBuffer?).self) {
            heads[streamID] = StreamHead(version: version, hash: hash.map { Array(buffer: $0) } ?? EventHash.genesis)
        }
        return heads
    }

    /// Inserts the planned rows in order and returns them as recorded, in the same order.
    static func insert(
        _ rows: [PlannedEvent], on connection: PostgresConnection, logger: Logger
    ) async throws -> [RecordedEvent] {
        let result = try await connection.query("""
            INSERT INTO events (stream_id, stream_version, type, recorded_at, payload, metadata, hash)
            SELECT s, v, t, timestamptz 'epoch' + r * interval '1 microsecond', p::json, m::json, h
            FROM unnest(\(rows.map(\.streamID))::text[], \(rows.map(\.version))::int8[],
                        \(rows.map(\.type))::text[], \(rows.map(\.recordedAt.microsecondsSinceEpoch))::int8[],
                        \(rows.map(\.payload))::text[], \(rows.map(\.metadata))::text[],
                        \(rows.map { ByteBuffer(bytes: $0.hash) })::bytea[])
                 WITH ORDINALITY AS x(s, v, t, r, p, m, h, n)
            ORDER BY n
            RETURNING position, tx_id::text, stream_id, stream_version
            """, logger: logger)
        var assigned: [String: [Int64: (position: Int64, transactionID: UInt64)]] = [:]
        for try await (position, transactionID, streamID, version) in result.decode((Int64, String, String, Int64).self) {
            assigned[streamID, default: [:]][version] = (position, UInt64(transactionID) ?? 0)
        }
        return try rows.map { row in
            guard let ids = assigned[row.streamID]?[row.version] else {
                throw AppendError.storage("the database did not return \(row.streamID)@\(row.version)")
            }
            return RecordedEvent(
                position: ids.position, transactionID: ids.transactionID, streamID: row.streamID,
                version: row.version, type: row.type, recordedAt: row.recordedAt,
                payload: row.payload, metadata: row.metadata, hash: row.hash)
        }
    }

    /// Moves the heads of the streams that received events.
    static func updateHeads(
        _ heads: [String: StreamHead], on connection: PostgresConnection, logger: Logger
    ) async throws {
        let ordered = heads.sorted { $0.key < $1.key }
        try await connection.query("""
            UPDATE streams SET version = x.v, head_hash = x.h
            FROM unnest(\(ordered.map(\.key))::text[], \(ordered.map(\.value.version))::int8[],
                        \(ordered.map { ByteBuffer(bytes: $0.value.hash) })::bytea[]) AS x(s, v, h)
            WHERE streams.stream_id = x.s
            """, logger: logger)
    }
}
