import Foundation
import Testing
import VellumCore

@Suite("The event hash formula")
struct EventHashTests {
    /// A vector computed outside Swift (Python's hashlib, straight from DESIGN.md §3):
    /// prev = 32 zero bytes, stream "flow-1", version 1, type "AuthorizationRequested",
    /// recorded_at 1700000000123456 µs, payload {"a":1}, metadata {"actor":"system"}.
    @Test func matchesAnIndependentlyComputedVector() {
        let hash = EventHash.compute(
            previous: EventHash.genesis, streamID: "flow-1", version: 1, type: "AuthorizationRequested",
            recordedAt: Timestamp(microsecondsSinceEpoch: 1_700_000_000_123_456),
            payload: #"{"a":1}"#, metadata: #"{"actor":"system"}"#)
        #expect(hash.hex == "e4b1c590a740f48a9a60002bb973c7d4a7dd88f581cc5db539bf0aaf2a405402")
    }

    @Test func chainsToThePreviousHash() {
        let first = EventHash.compute(
            previous: EventHash.genesis, streamID: "flow-1", version: 1, type: "A",
            recordedAt: Timestamp(microsecondsSinceEpoch: 1), payload: "{}", metadata: "{}")
        let second = EventHash.compute(
            previous: first, streamID: "flow-1", version: 2, type: "B",
            recordedAt: Timestamp(microsecondsSinceEpoch: 2), payload: "{}", metadata: "{}")
        #expect(second.hex == "d10f2b7859aedff72d28553ece7f4ddd2a99a3ab1d64a04843fdb87a4f667902")
    }

    @Test func everyFieldChangesTheHash() {
        func hash(stream: String = "s", version: Int64 = 1, type: String = "T", micros: Int64 = 5,
                  payload: String = "{}", metadata: String = "{}", previous: [UInt8] = EventHash.genesis) -> [UInt8] {
            EventHash.compute(previous: previous, streamID: stream, version: version, type: type,
                              recordedAt: Timestamp(microsecondsSinceEpoch: micros), payload: payload, metadata: metadata)
        }
        let base = hash()
        let variants = [
            hash(stream: "t"), hash(version: 2), hash(type: "U"), hash(micros: 6), hash(payload: "{ }"),
            hash(metadata: "[]"), hash(previous: [UInt8](repeating: 1, count: 32)),
            // Length prefixes keep field boundaries apart: "ab"+"c" differs from "a"+"bc".
            hash(stream: "sT", type: ""),
        ]
        for variant in variants { #expect(variant != base) }
        #expect(hash(stream: "ab", type: "c") != hash(stream: "a", type: "bc"))
        #expect(base.count == 32)
    }
}

extension [UInt8] {
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}

@Suite("Hexadecimal")
struct HexTests {
    @Test func encodesEveryByteAsTwoLowercaseDigits() {
        #expect(Hex.encode([]) == "")
        #expect(Hex.encode([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
        #expect(Hex.encode(0...255) == (0...255).map { String(format: "%02x", $0) }.joined())
        #expect(SecretHash(of: "abc").hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
