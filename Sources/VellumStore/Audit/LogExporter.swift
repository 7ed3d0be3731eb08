public import Logging
import NIOCore
public import PostgresNIO
public import VellumCore

/// Streams the log as JSON lines (one event per line, position order), for SIEMs and for
/// verifiers outside Vellum. Rows are written as they arrive: memory stays constant on any log.
///
/// Each line: `position`, `tx_id`, `stream_id`, `stream_version`, `type`, `recorded_at` (RFC 3339),
/// `recorded_at_us`, `payload` and `metadata` (the JSON objects), `payload_text` and
/// `metadata_text` (the exact stored text, which is what was hashed), `hash` (hex), `seal_seq`.
public struct LogExporter: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Exports events recorded in `[since, until)` (either may be nil) through `write`; returns the count.
    @discardableResult
    public func export(since: Timestamp?, until: Timestamp?, write: (String) throws -> Void) async throws -> Int {
        let rows = try await client.query("""
            SELECT e.position, e.tx_id::text, e.stream_id, e.stream_version, e.type,
                   (extract(epoch FROM e.recorded_at) * 1000000)::int8, e.payload::text, e.metadata::text, e.hash, s.seal_seq
            FROM events e LEFT JOIN seals s ON s.position = e.position
            WHERE (\(since?.microsecondsSinceEpoch)::int8 IS NULL OR e.recorded_at >= vellum_ts(\(since?.microsecondsSinceEpoch)))
              AND (\(until?.microsecondsSinceEpoch)::int8 IS NULL OR e.recorded_at < vellum_ts(\(until?.microsecondsSinceEpoch)))
            ORDER BY e.position
            """, logger: logger)
        var count = 0
        for try await (position, tx, stream, version, type, micros, payload, metadata, hash, seal) in rows.decode(
            (Int64, String, String, Int64, String, Int64, String, String, ByteBuffer, Int64?).self
        ) {
            let time = Timestamp(microsecondsSinceEpoch: micros)
            var line = #"{"position":\#(position),"tx_id":\#(tx),"stream_id":\#(Self.quote(stream)),"stream_version":\#(version),"#
            line += #""type":\#(Self.quote(type)),"recorded_at":"\#(time)","recorded_at_us":\#(micros),"#
            line += #""payload":\#(payload),"metadata":\#(metadata),"#
            line += #""payload_text":\#(Self.quote(payload)),"metadata_text":\#(Self.quote(metadata)),"#
            line += #""hash":"\#(Array(buffer: hash).hexString)","seal_seq":\#(seal.map(String.init) ?? "null")}"#
            try write(line)
            count += 1
        }
        return count
    }

    /// A JSON string literal.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
