import Crypto
import Foundation

/// The per-stream hash chain of DESIGN.md §3, a public contract that auditors re-implement:
///
///     hash = SHA-256(prev || u32(len(stream_id)) || stream_id || u64(stream_version)
///                    || u32(len(type)) || type || i64(recorded_at µs) || u32(len(payload)) || payload
///                    || u32(len(metadata)) || metadata)
///
/// Integers are big-endian, strings UTF-8 as stored, lengths in bytes, and `prev` is the previous
/// event's hash in the stream (32 zero bytes for version 1).
public enum EventHash {
    /// The `prev` of a stream's first event.
    public static let genesis = [UInt8](repeating: 0, count: 32)

    /// The hash of one event, chained to `previous`.
    public static func compute(
        previous: [UInt8],
        streamID: String,
        version: Int64,
        type: String,
        recordedAt: Timestamp,
        payload: String,
        metadata: String
    ) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previous)
        hasher.appendLengthPrefixed(streamID)
        hasher.appendBigEndian(UInt64(bitPattern: version))
        hasher.appendLengthPrefixed(type)
        hasher.appendBigEndian(UInt64(bitPattern: recordedAt.microsecondsSinceEpoch))
        hasher.appendLengthPrefixed(payload)
        hasher.appendLengthPrefixed(metadata)
        return Array(hasher.finalize())
    }
}

extension EventHash {
    /// The same formula over the raw stored bytes (UTF-8), for verifying long logs without
    /// building strings.
    public static func compute(
        previous: [UInt8], streamID: UnsafeRawBufferPointer, version: Int64, type: UnsafeRawBufferPointer,
        recordedAtMicroseconds: Int64, payload: UnsafeRawBufferPointer, metadata: UnsafeRawBufferPointer
    ) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previous)
        hasher.appendLengthPrefixed(streamID)
        hasher.appendBigEndian(UInt64(bitPattern: version))
        hasher.appendLengthPrefixed(type)
        hasher.appendBigEndian(UInt64(bitPattern: recordedAtMicroseconds))
        hasher.appendLengthPrefixed(payload)
        hasher.appendLengthPrefixed(metadata)
        return Array(hasher.finalize())
    }
}

extension SHA256 {
    fileprivate mutating func appendLengthPrefixed(_ bytes: UnsafeRawBufferPointer) {
        appendBigEndian(UInt32(bytes.count))
        update(bufferPointer: bytes)
    }

    fileprivate mutating func appendLengthPrefixed(_ string: String) {
        var string = string
        string.withUTF8 { bytes in
            appendBigEndian(UInt32(bytes.count))
            update(bufferPointer: UnsafeRawBufferPointer(bytes))
        }
    }

    fileprivate mutating func appendBigEndian<I: FixedWidthInteger>(_ value: I) {
        withUnsafeBytes(of: value.bigEndian) { update(bufferPointer: $0) }
    }
}
