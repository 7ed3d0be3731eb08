public import Foundation
public import Logging
import NIOCore
public import PostgresNIO
public import VellumCore

/// Signs checkpoints of the seal chain (the audit key lives with the server, under the master key).
public protocol CheckpointSigner: Sendable {
    /// The key's id, as recorded in the `audit` stream.
    var keyID: String { get }
    /// An Ed25519 signature over `message`.
    func sign(_ message: [UInt8]) throws -> [UInt8]
}

/// The sealer (DESIGN.md §5): gives every event, in the gap-safe order, the next dense `seal_seq`
/// and extends the global chain; signs a checkpoint when `checkpointInterval` has passed or
/// `checkpointEvents` events were sealed since the last one. One instance at a time seals (the
/// catch-up runner's advisory lock). Checkpoints reach a file only after they commit
/// (``CheckpointShipper``).
public struct Sealer: CatchUpProjection {
    public let name = "sealer"
    let signer: any CheckpointSigner
    let checkpointInterval: Int64
    let checkpointEvents: Int64
    let now: @Sendable () -> Timestamp

    /// - Parameters:
    ///   - checkpointInterval: microseconds between checkpoints at most (`VELLUM_SEAL_INTERVAL`).
    /// The most seals between two checkpoints, unless told otherwise.
    public static let defaultCheckpointEvents: Int64 = 10_000

    public init(signer: any CheckpointSigner, checkpointInterval: Int64 = 1_000_000, checkpointEvents: Int64 = defaultCheckpointEvents,
                now: @escaping @Sendable () -> Timestamp = { Timestamp(Date()) }) {
        self.signer = signer
        self.checkpointInterval = checkpointInterval
        self.checkpointEvents = checkpointEvents
        self.now = now
    }

    public func apply(_ events: [RecordedEvent], on connection: PostgresConnection, logger: Logger) async throws {
        var sealSeq: Int64 = 0
        var chain = SealChain.genesis
        for try await (seq, hash) in try await connection.query(
            "SELECT seal_seq, chain_hash FROM seals ORDER BY seal_seq DESC LIMIT 1", logger: logger
        ).decode((Int64, ByteBuffer).self) {
            sealSeq = seq
            chain = Array(buffer: hash)
        }
        var lastCheckpoint: (seq: Int64, at: Int64) = (0, 0)
        for try await (seq, at) in try await connection.query("""
            SELECT seal_seq, (extract(epoch FROM signed_at) * 1000000)::int8 FROM checkpoints ORDER BY seal_seq DESC LIMIT 1
            """, logger: logger).decode((Int64, Int64).self) {
            lastCheckpoint = (seq, at)
        }

        var seqs: [Int64] = [], chains: [ByteBuffer] = []
        var due: [(seq: Int64, chain: [UInt8])] = []
        seqs.reserveCapacity(events.count)
        chains.reserveCapacity(events.count)
        for event in events {
            sealSeq += 1
            chain = SealChain.next(previous: chain, sealSeq: sealSeq, eventHash: event.hash)
            seqs.append(sealSeq)
            chains.append(ByteBuffer(bytes: chain))
            if sealSeq - (due.last?.seq ?? lastCheckpoint.seq) >= checkpointEvents { due.append((sealSeq, chain)) }
        }
        try await connection.query("""
            INSERT INTO seals (seal_seq, position, chain_hash, stream_id, stream_version)
            SELECT * FROM unnest(\(seqs)::int8[], \(events.map(\.position))::int8[], \(chains)::bytea[],
                                 \(events.map(\.streamID))::text[], \(events.map(\.version))::int8[])
            """, logger: logger)

        let time = now()
        if due.last?.seq != sealSeq && time.microsecondsSinceEpoch - lastCheckpoint.at >= checkpointInterval {
            due.append((sealSeq, chain))
        }
        for checkpoint in due {
            try await sign(sealSeq: checkpoint.seq, chain: checkpoint.chain, at: time, on: connection, logger: logger)
        }
    }

    private func sign(sealSeq: Int64, chain: [UInt8], at time: Timestamp, on connection: PostgresConnection, logger: Logger) async throws {
        let signature = try signer.sign(CheckpointMessage.bytes(sealSeq: sealSeq, chainHash: chain, signedAt: time))
        try await connection.query("""
            INSERT INTO checkpoints (seal_seq, chain_hash, signed_at, key_id, signature)
            VALUES (\(sealSeq), \(ByteBuffer(bytes: chain)), vellum_ts(\(time.microsecondsSinceEpoch)), \(signer.keyID),
                    \(ByteBuffer(bytes: signature)))
            """, logger: logger)
    }
}

/// A signed checkpoint of the seal chain.
public struct Checkpoint: Sendable, Equatable {
    public let sealSeq: Int64
    public let chainHash: [UInt8]
    public let signedAt: Timestamp
    public let keyID: String
    public let signature: [UInt8]

    public init(sealSeq: Int64, chainHash: [UInt8], signedAt: Timestamp, keyID: String, signature: [UInt8]) {
        self.sealSeq = sealSeq
        self.chainHash = chainHash
        self.signedAt = signedAt
        self.keyID = keyID
        self.signature = signature
    }

    /// One line of a checkpoint file: `{"seal_seq":…,"chain_hash":"hex","signed_at":"…","signed_at_us":…,"key_id":"…","signature":"hex"}`.
    public var jsonLine: String {
        #"{"seal_seq":\#(sealSeq),"chain_hash":"\#(chainHash.hexString)","signed_at":"\#(signedAt)","signed_at_us":\#(signedAt.microsecondsSinceEpoch),"key_id":"\#(keyID)","signature":"\#(signature.hexString)"}"#
    }

    /// Parses a line of a checkpoint file.
    public init?(jsonLine: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(jsonLine.utf8)) as? [String: Any],
              let seq = (object["seal_seq"] as? NSNumber)?.int64Value, let chain = (object["chain_hash"] as? String).flatMap([UInt8].init(hex:)),
              let at = (object["signed_at_us"] as? NSNumber)?.int64Value, let keyID = object["key_id"] as? String,
              let signature = (object["signature"] as? String).flatMap([UInt8].init(hex:)) else { return nil }
        self.init(sealSeq: seq, chainHash: chain, signedAt: Timestamp(microsecondsSinceEpoch: at), keyID: keyID, signature: signature)
    }
}

extension [UInt8] {
    /// Lowercase hex.
    public var hexString: String { Hex.encode(self) }

    /// Bytes from hex; nil when `hex` is not an even run of hex digits.
    public init?(hex: String) {
        guard hex.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.count / 2)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self = bytes
    }
}
