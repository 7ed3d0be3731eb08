import Crypto
import NIOCore
import PostgresNIO
import Testing
import VellumStore
import VellumTestSupport

/// A second implementation of the hash formula, written from DESIGN.md §3 alone, over the raw
/// columns as an auditor's own SQL would read them. It shares no code with the store.
@Suite("The stored chain matches the published formula")
struct IndependentHashTests {
    private static func u32(_ value: Int) -> [UInt8] {
        (0..<4).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }

    private static func u64(_ value: Int64) -> [UInt8] {
        (0..<8).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }

    private static func field(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        return u32(bytes.count) + bytes
    }

    @Test func everyStoredHashFollowsTheFormula() async throws {
        try await TestStore.with { test in
            try await test.store.append(to: "flow-1", expected: .noStream, events: [testEvent(1), testEvent(2)])
            try await test.store.append(to: "flow-1", expected: .exactly(2), events: [
                ProposedEvent(type: "ÜnicodeType", payload: #"{"s": "naïve ✓"}"#, metadata: #"{"ip": "::1"}"#)])
            try await test.store.append(to: "client-abc", expected: .noStream, events: [testEvent(3)])

            let rows = try await test.client.query("""
                SELECT stream_id, stream_version, type,
                       (extract(epoch FROM recorded_at) * 1000000)::int8, payload::text, metadata::text, hash
                FROM events ORDER BY stream_id, stream_version
                """)
            var previous: [String: [UInt8]] = [:]
            var checked = 0
            for try await (stream, version, type, micros, payload, metadata, stored) in rows.decode(
                (String, Int64, String, Int64, String, String, ByteBuffer).self
            ) {
                let prev = previous[stream] ?? [UInt8](repeating: 0, count: 32)
                let message = prev + Self.field(stream) + Self.u64(version) + Self.field(type) + Self.u64(micros)
                    + Self.field(payload) + Self.field(metadata)
                let expected = Array(SHA256.hash(data: message))
                #expect(Array(buffer: stored) == expected, "\(stream) v\(version)")
                previous[stream] = expected
                checked += 1
            }
            #expect(checked == 4)

            let heads = try await test.client.query("SELECT stream_id, head_hash FROM streams WHERE version > 0")
            for try await (stream, head) in heads.decode((String, ByteBuffer).self) {
                #expect(Array(buffer: head) == previous[stream])
            }
        }
    }
}
