public import Logging
import NIOCore
public import PostgresNIO
public import VellumCore

/// Streams the log as JSON lines (one event per line, position order), for SIEMs and for
/// verifiers outside Vellum. Rows are written as they arrive: memory stays constant on any log.
///
/// Each event line: `position`, `tx_id`, `stream_id`, `stream_version`, `type`, `recorded_at`
/// (RFC 3339), `recorded_at_us`, `payload` and `metadata` (the JSON objects), `payload_text` and
/// `metadata_text` (the exact stored text, which is what was hashed), `hash` (hex), `seal_seq` and
/// `seal_chain` (the seal's stored chain hash, hex; null when unsealed), and `sealed_as`
/// (`{"stream_id", "stream_version"}`) only when the seal at that position recorded another event.
///
/// A whole export (no `since`/`until`) then carries what a verifier needs beyond the events, one
/// record per line, each with a `record` key: `horizon` (the gap-safe horizon when exported:
/// events at or above its `tx_id` could not be sealed yet), `seal` for a seal whose event is gone,
/// `head` for each stream's head (`streams`), `checkpoint` for each signed checkpoint (the fields
/// of a checkpoint file line).
public struct LogExporter: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Exports events recorded in `[since, until)` (either may be nil) through `write`; returns the
    /// count of events. A whole export also writes the seal, head and checkpoint records.
    @discardableResult
    public func export(since: Timestamp?, until: Timestamp?, write: (String) throws -> Void) async throws -> Int {
        let rows = try await client.query("""
            SELECT e.position, e.tx_id::text, e.stream_id, e.stream_version, e.type,
                   (extract(epoch FROM e.recorded_at) * 1000000)::int8, e.payload::text, e.metadata::text, e.hash,
                   s.seal_seq, s.chain_hash, s.stream_id, s.stream_version
            FROM events e LEFT JOIN seals s ON s.position = e.position
            WHERE (\(since?.microsecondsSinceEpoch)::int8 IS NULL OR e.recorded_at >= vellum_ts(\(since?.microsecondsSinceEpoch)))
              AND (\(until?.microsecondsSinceEpoch)::int8 IS NULL OR e.recorded_at < vellum_ts(\(until?.microsecondsSinceEpoch)))
            ORDER BY e.position
            """, logger: logger)
        var count = 0
        for try await (position, tx, stream, version, type, micros, payload, metadata, hash, seal, chain, sealedStream, sealedVersion)
            in rows.decode((Int64, String, String, Int64, String, Int64, String, String, ByteBuffer, Int64?, ByteBuffer?, String?, Int64?).self) {
            let time = Timestamp(microsecondsSinceEpoch: micros)
            var line = #"{"position":\#(position),"tx_id":\#(tx),"stream_id":\#(JSONString.quoted(stream)),"stream_version":\#(version),"#
            line += #""type":\#(JSONString.quoted(type)),"recorded_at":"\#(time)","recorded_at_us":\#(micros),"#
            line += #""payload":\#(payload),"metadata":\#(metadata),"#
            line += #""payload_text":\#(JSONString.quoted(payload)),"metadata_text":\#(JSONString.quoted(metadata)),"#
            line += #""hash":"\#(Array(buffer: hash).hexString)","seal_seq":\#(seal.map(String.init) ?? "null"),"#
            line += #""seal_chain":\#(chain.map { "\"\(Array(buffer: $0).hexString)\"" } ?? "null")"#
            if let sealedStream, let sealedVersion, sealedStream != stream || sealedVersion != version {
                line += #","sealed_as":{"stream_id":\#(JSONString.quoted(sealedStream)),"stream_version":\#(sealedVersion)}"#
            }
            try write(line + "}")
            count += 1
        }
        if since == nil && until == nil { try await exportRecords(write) }
        return count
    }

    /// The horizon, the seal records of vanished events, then every head, then every checkpoint.
    private func exportRecords(_ write: (String) throws -> Void) async throws {
        // Events at or above the gap-safe horizon could not be sealed yet: verifiers do not call them unsealed.
        for try await horizon in try await client.query(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text", logger: logger
        ).decode(String.self) {
            try write(#"{"record":"horizon","tx_id":\#(horizon)}"#)
        }
        for try await (seq, position, chain, stream, version) in try await client.query("""
            SELECT s.seal_seq, s.position, s.chain_hash, s.stream_id, s.stream_version
            FROM seals s LEFT JOIN events e ON e.position = s.position WHERE e.position IS NULL ORDER BY s.seal_seq
            """, logger: logger).decode((Int64, Int64, ByteBuffer, String, Int64).self) {
            try write(#"{"record":"seal","seal_seq":\#(seq),"position":\#(position),"chain_hash":"\#(Array(buffer: chain).hexString)","stream_id":\#(JSONString.quoted(stream)),"stream_version":\#(version)}"#)
        }
        for try await (stream, version, head) in try await client.query(
            "SELECT stream_id, version, head_hash FROM streams ORDER BY stream_id", logger: logger
        ).decode((String, Int64, ByteBuffer?).self) {
            try write(#"{"record":"head","stream_id":\#(JSONString.quoted(stream)),"version":\#(version),"head_hash":\#(head.map { "\"\(Array(buffer: $0).hexString)\"" } ?? "null")}"#)
        }
        for try await (seq, chain, at, keyID, signature) in try await client.query("""
            SELECT seal_seq, chain_hash, (extract(epoch FROM signed_at) * 1000000)::int8, key_id, signature FROM checkpoints ORDER BY seal_seq
            """, logger: logger).decode((Int64, ByteBuffer, Int64, String, ByteBuffer).self) {
            let line = Checkpoint(sealSeq: seq, chainHash: Array(buffer: chain), signedAt: Timestamp(microsecondsSinceEpoch: at),
                                  keyID: keyID, signature: Array(buffer: signature)).jsonLine
            try write(#"{"record":"checkpoint","# + line.dropFirst())
        }
    }

}
