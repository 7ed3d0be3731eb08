import Crypto
import Foundation

/// The global chain over every event (DESIGN.md §5), a public contract like ``EventHash``:
///
///     chain_n = SHA-256(chain_{n-1} || u64(seal_seq) || event_hash)
///
/// with 32 zero bytes before the first, and `seal_seq` dense from 1 in the gap-safe order of the log.
public enum SealChain {
    /// The chain before the first seal.
    public static let genesis = [UInt8](repeating: 0, count: 32)

    /// The chain after sealing the event whose hash is `eventHash` as number `sealSeq`.
    public static func next(previous: [UInt8], sealSeq: Int64, eventHash: [UInt8]) -> [UInt8] {
        eventHash.withUnsafeBytes { next(previous: previous, sealSeq: sealSeq, eventHash: $0) }
    }

    /// The same over the event hash's stored bytes.
    public static func next(previous: [UInt8], sealSeq: Int64, eventHash: UnsafeRawBufferPointer) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previous)
        withUnsafeBytes(of: UInt64(bitPattern: sealSeq).bigEndian) { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: eventHash)
        return Array(hasher.finalize())
    }
}

/// What an Ed25519 checkpoint signature covers:
/// `"vellum-checkpoint-v1" || u64(seal_seq) || chain_hash || i64(signed_at microseconds)`.
public enum CheckpointMessage {
    public static let prefix = Array("vellum-checkpoint-v1".utf8)

    public static func bytes(sealSeq: Int64, chainHash: [UInt8], signedAt: Timestamp) -> [UInt8] {
        var message = prefix
        withUnsafeBytes(of: UInt64(bitPattern: sealSeq).bigEndian) { message += $0 }
        message += chainHash
        withUnsafeBytes(of: UInt64(bitPattern: signedAt.microsecondsSinceEpoch).bigEndian) { message += $0 }
        return message
    }
}

/// The audit key was created: checkpoints are signed with its private half (never in the log).
public struct AuditKeyCreated: Event {
    public static let type = "AuditKeyCreated"
    public var keyID: String
    public var algorithm: String
    /// The raw 32-byte Ed25519 public key, base64url.
    public var publicKey: String

    enum CodingKeys: String, CodingKey {
        case keyID = "key_id", algorithm, publicKey = "public_key"
    }

    public init(keyID: String, algorithm: String = "Ed25519", publicKey: String) {
        self.keyID = keyID
        self.algorithm = algorithm
        self.publicKey = publicKey
    }
}
