import Crypto
import Foundation
public import Logging
import NIOCore
public import PostgresNIO
public import VellumCore

/// Verifies completeness (DESIGN.md §5): recomputes the seal chain from the events' stored hashes,
/// checks that every sealed event is still where it was sealed, that no old event is unsealed, and
/// that every checkpoint (in the database and, if given, shipped elsewhere) matches the chain and
/// carries a valid signature of the audit key.
public struct SealVerifier: Sendable {
    /// What the seal pass found.
    public struct Report: Sendable {
        public var seals = 0
        public var checkpoints = 0
        public var unsealed = 0
        public var faults: [ChainFault] = []
    }

    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// - Parameters:
    ///   - unsealedBefore: events recorded before this must be sealed.
    ///   - shippedCheckpoints: checkpoints kept outside the database, checked like the table's.
    ///   - progress: called every 100,000 seals with the count so far.
    public func verify(unsealedBefore: Timestamp, shippedCheckpoints: [Checkpoint] = [],
                       progress: @Sendable (Int) -> Void = { _ in }) async throws -> Report {
        var report = Report()
        let checkpoints = try await storedCheckpoints()
        let checkpointSeqs = Set(checkpoints.map(\.sealSeq) + shippedCheckpoints.map(\.sealSeq))
        var chainAt: [Int64: [UInt8]] = [:]

        let rows = try await client.query("""
            SELECT s.seal_seq, s.position, s.chain_hash, s.stream_id, s.stream_version, e.stream_id, e.stream_version, e.hash
            FROM seals s LEFT JOIN events e ON e.position = s.position
            ORDER BY s.seal_seq
            """, logger: logger)
        var chain = SealChain.genesis
        var expectedSeq: Int64 = 1
        var chainBroken = false
        var vanished: [(seq: Int64, position: Int64, stream: String, version: Int64)] = []
        for try await (seq, position, stored, sealedStream, sealedVersion, stream, version, hash) in rows.decode(
            (Int64, Int64, ByteBuffer, String, Int64, String?, Int64?, ByteBuffer?).self
        ) {
            report.seals += 1
            if report.seals % 100_000 == 0 { progress(report.seals) }
            if seq != expectedSeq && !chainBroken {
                report.faults.append(ChainFault(kind: .sealBroken, position: position, streamID: "", version: 0,
                                                detail: "seals \(expectedSeq)…\(seq - 1) are missing"))
                chainBroken = true
            }
            expectedSeq = seq + 1
            guard let stream, let version, let hash else {
                vanished.append((seq, position, sealedStream, sealedVersion))
                chainBroken = true
                continue
            }
            if stream != sealedStream || version != sealedVersion {
                report.faults.append(ChainFault(kind: .reordered, position: position, streamID: sealedStream, version: sealedVersion,
                                                detail: "sealed as \(seq), now holds \(stream) version \(version)"))
            }
            chain = SealChain.next(previous: chain, sealSeq: seq, eventHash: Array(buffer: hash))
            if !chainBroken && chain != Array(buffer: stored) {
                // The chain held up to the previous seal, so this event's hash is not the one sealed:
                // it was altered (and its stream chain rewritten to match, or the stream check says so too).
                report.faults.append(ChainFault(kind: .altered, position: position, streamID: stream, version: version,
                                                detail: "its hash differs from the one sealed as \(seq)"))
                chainBroken = true
            }
            if checkpointSeqs.contains(seq) { chainAt[seq] = chain }
        }

        // A sealed event that is gone: missing, or its whole stream deleted (head and all).
        if !vanished.isEmpty {
            var remaining = Set<String>()
            for try await stream in try await client.query(
                "SELECT stream_id FROM streams WHERE version > 0 AND stream_id = ANY(\(Array(Set(vanished.map(\.stream))))::text[])",
                logger: logger
            ).decode(String.self) { remaining.insert(stream) }
            for event in vanished {
                report.faults.append(ChainFault(kind: remaining.contains(event.stream) ? .missing : .deletedStream, position: event.position,
                                                streamID: event.stream, version: event.version, detail: "sealed as \(event.seq)"))
            }
        }

        let keys = try await auditKeys()
        for (source, list) in [("database", checkpoints), ("shipped", shippedCheckpoints)] {
            for checkpoint in list {
                report.checkpoints += 1
                if let fault = check(checkpoint, recomputed: chainAt[checkpoint.sealSeq], keys: keys, source: source) {
                    report.faults.append(fault)
                }
            }
        }

        let unsealed = try await client.query("""
            SELECT e.position, e.stream_id, e.stream_version, count(*) OVER ()
            FROM events e LEFT JOIN seals s ON s.position = e.position
            WHERE s.position IS NULL AND e.recorded_at < vellum_ts(\(unsealedBefore.microsecondsSinceEpoch))
            ORDER BY e.position LIMIT 1
            """, logger: logger)
        for try await (position, stream, version, count) in unsealed.decode((Int64, String, Int64, Int64).self) {
            report.unsealed = Int(count)
            report.faults.append(ChainFault(kind: .unsealed, position: position, streamID: stream, version: version,
                                            detail: "\(count) event(s) unsealed"))
        }
        return report
    }

    private func check(_ checkpoint: Checkpoint, recomputed: [UInt8]?, keys: [String: Curve25519.Signing.PublicKey], source: String) -> ChainFault? {
        func fault(_ why: String) -> ChainFault {
            ChainFault(kind: .checkpointMismatch, position: nil, streamID: "", version: 0,
                       detail: "\(source) checkpoint at seal \(checkpoint.sealSeq): \(why)")
        }
        guard let key = keys[checkpoint.keyID] else { return fault("unknown audit key \(checkpoint.keyID)") }
        let message = CheckpointMessage.bytes(sealSeq: checkpoint.sealSeq, chainHash: checkpoint.chainHash, signedAt: checkpoint.signedAt)
        guard key.isValidSignature(checkpoint.signature, for: message) else { return fault("the signature does not verify") }
        guard let recomputed else { return fault("the seal chain no longer reaches it") }
        guard recomputed == checkpoint.chainHash else { return fault("the seal chain differs") }
        return nil
    }

    private func storedCheckpoints() async throws -> [Checkpoint] {
        let rows = try await client.query("""
            SELECT seal_seq, chain_hash, (extract(epoch FROM signed_at) * 1000000)::int8, key_id, signature
            FROM checkpoints ORDER BY seal_seq
            """, logger: logger)
        var checkpoints: [Checkpoint] = []
        for try await (seq, chain, at, keyID, signature) in rows.decode((Int64, ByteBuffer, Int64, String, ByteBuffer).self) {
            checkpoints.append(Checkpoint(sealSeq: seq, chainHash: Array(buffer: chain), signedAt: Timestamp(microsecondsSinceEpoch: at),
                                          keyID: keyID, signature: Array(buffer: signature)))
        }
        return checkpoints
    }

    /// The audit public keys the log itself records.
    private func auditKeys() async throws -> [String: Curve25519.Signing.PublicKey] {
        let rows = try await client.query(
            "SELECT payload::text FROM events WHERE stream_id = 'audit' AND type = \(AuditKeyCreated.type)", logger: logger)
        var keys: [String: Curve25519.Signing.PublicKey] = [:]
        for try await payload in rows.decode(String.self) {
            let created = try EventJSON.decode(AuditKeyCreated.self, from: payload)
            if let raw = Base64URL.decode(created.publicKey), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) {
                keys[created.keyID] = key
            }
        }
        return keys
    }
}
