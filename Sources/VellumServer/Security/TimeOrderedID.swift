import Crypto
import Foundation
import VellumCore

/// Identifiers that sort by when they were made: UUID version 7 (RFC 9562 §5.7), 48 bits of Unix
/// milliseconds, then 74 random bits. The log's indexes on stream ids (`events`' per-stream key,
/// `streams`, the audit index) take a new flow's entries at their right edge, so the pages a busy
/// server writes stay few and cached however long the log grows; random (version 4) ids spread
/// every insert over the whole index, and at ten million events each write missed the cache.
/// Still unguessable: 74 bits from the CSPRNG.
enum TimeOrderedID {
    static func uuid(at now: Timestamp) -> String {
        var bytes = SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) }
        let milliseconds = UInt64(max(0, now.microsecondsSinceEpoch / 1_000))
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - index))) }
        bytes[6] = 0x70 | (bytes[6] & 0x0F)  // version 7
        bytes[8] = 0x80 | (bytes[8] & 0x3F)  // variant 10
        let uuid = UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                               bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
        return uuid.uuidString.lowercased()
    }
}
