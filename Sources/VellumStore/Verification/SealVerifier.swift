public import Crypto
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
        /// The newest seal a valid, trusted checkpoint vouches for.
        public var coveredThrough: Int64 = 0
        public var faults: [ChainFault] = []
    }

    let source: QuerySource
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.source = .pool(client)
        self.logger = logger
    }

    /// A verifier reading on `connection`, inside the transaction (and snapshot) it holds.
    public init(connection: PostgresConnection, logger: Logger) {
        self.source = .connection(connection)
        self.logger = logger
    }

    /// - Parameters:
    ///   - unsealedBefore: events recorded before this must be sealed.
    ///   - shippedCheckpoints: checkpoints kept outside the database, checked like the table's.
    ///   - progress: called every 100,000 seals with the count so far.
    ///   - pinnedKeys: the audit keys an auditor holds outside the database (by key id): when given,
    ///     only checkpoints they signed count, and every event recorded before `unsealedBefore` must
    ///     be covered by one. When empty, the keys the log itself records are used, which proves the
    ///     log only against itself.
    public func verify(unsealedBefore: Timestamp, shippedCheckpoints: [Checkpoint] = [],
                       pinnedKeys: [String: Curve25519.Signing.PublicKey] = [:],
                       maximumCheckpointSpacing: Int64 = Sealer.defaultCheckpointEvents,
                       progress: @Sendable (Int) -> Void = { _ in }) async throws -> Report {
        var report = Report()
        let checkpoints = try await storedCheckpoints()
        let checkpointSeqs = Set(checkpoints.map(\.sealSeq) + shippedCheckpoints.map(\.sealSeq))
        var chainAt: [Int64: [UInt8]] = [:]

        // Per seal: the stored chain, the event's hash, and whether the event is still the one
        // sealed there (NULL: no event at that position). Names are fetched only for faults.
        let rows = try await source.query("""
            SELECT s.seal_seq, s.position, s.chain_hash, e.hash,
                   CASE WHEN e.position IS NULL THEN NULL
                        ELSE e.stream_id = s.stream_id AND e.stream_version = s.stream_version END
            FROM seals s LEFT JOIN events e ON e.position = s.position
            ORDER BY s.seal_seq
            """, logger: logger)
        var chain = SealChain.genesis
        var expectedSeq: Int64 = 1
        var chainBroken = false
        var vanished: [Int64] = []
        var moved: [Int64] = []
        var altered: (seq: Int64, position: Int64)?
        var gap: (first: Int64, last: Int64, position: Int64)?
        for try await (seq, position, stored, hash, inPlace) in rows.decode((Int64, Int64, ByteBuffer, ByteBuffer?, Bool?).self) {
            report.seals += 1
            if report.seals % 100_000 == 0 { progress(report.seals) }
            if seq != expectedSeq && !chainBroken {
                gap = (expectedSeq, seq - 1, position)
                chainBroken = true
            }
            expectedSeq = seq + 1
            guard let hash, let inPlace else {
                vanished.append(position)
                chainBroken = true
                continue
            }
            if !inPlace { moved.append(position) }
            chain = SealChain.next(previous: chain, sealSeq: seq, eventHash: Array(buffer: hash))
            if !chainBroken && chain != Array(buffer: stored) {
                altered = (seq, position)
                chainBroken = true
            }
            if checkpointSeqs.contains(seq) { chainAt[seq] = chain }
        }
        if let gap {
            report.faults.append(ChainFault(kind: .sealBroken, position: gap.position, streamID: "", version: 0,
                                            detail: "seals \(gap.first)…\(gap.last) are missing"))
        }
        if let altered {
            // The chain held up to the previous seal, so this event's hash is not the one sealed: it
            // was altered (and its stream chain rewritten to match, or the stream check says so too).
            let (stream, version) = try await sealed(at: altered.position)
            report.faults.append(ChainFault(kind: .altered, position: altered.position, streamID: stream, version: version,
                                            detail: "its hash differs from the one sealed as \(altered.seq)"))
        }
        for position in moved.prefix(100) {
            let (stream, version) = try await sealed(at: position)
            report.faults.append(ChainFault(kind: .reordered, position: position, streamID: stream, version: version,
                                            detail: "the event there is not the one sealed"))
        }
        var vanishedEvents: [(seq: Int64, position: Int64, stream: String, version: Int64)] = []
        for position in vanished.prefix(1_000) {
            let (stream, version, seq) = try await sealedWithSeq(at: position)
            vanishedEvents.append((seq, position, stream, version))
        }
        let vanishedList = vanishedEvents
        // A sealed event that is gone: missing, or its whole stream deleted (head and all).
        if !vanishedList.isEmpty {
            var remaining = Set<String>()
            for try await stream in try await source.query(
                "SELECT stream_id FROM streams WHERE version > 0 AND stream_id = ANY(\(Array(Set(vanishedList.map(\.stream))))::text[])",
                logger: logger
            ).decode(String.self) { remaining.insert(stream) }
            for event in vanishedList {
                report.faults.append(ChainFault(kind: remaining.contains(event.stream) ? .missing : .deletedStream, position: event.position,
                                                streamID: event.stream, version: event.version, detail: "sealed as \(event.seq)"))
            }
        }

        let keys = pinnedKeys.isEmpty ? try await auditKeys() : pinnedKeys
        var covered: Int64 = 0
        var trusted = Set<Int64>()
        for (source, list) in [("database", checkpoints), ("shipped", shippedCheckpoints)] {
            for checkpoint in list {
                report.checkpoints += 1
                if let fault = check(checkpoint, recomputed: chainAt[checkpoint.sealSeq], keys: keys, source: source) {
                    report.faults.append(fault)
                } else {
                    covered = max(covered, checkpoint.sealSeq)
                    trusted.insert(checkpoint.sealSeq)
                }
            }
        }
        report.coveredThrough = covered
        if (!pinnedKeys.isEmpty || !shippedCheckpoints.isEmpty), let gap = Self.widestGap(in: trusted, beyond: maximumCheckpointSpacing) {
            // The sealer signs at least every `checkpointEvents` seals: a wider gap between trusted
            // checkpoints means some were removed (and what lay between may have been rewritten).
            report.faults.append(ChainFault(kind: .uncovered, position: nil, streamID: "", version: 0,
                                            detail: "no trusted checkpoint between seals \(gap.from) and \(gap.to)"))
        }
        if !pinnedKeys.isEmpty || !shippedCheckpoints.isEmpty {
            // Anchored: every event old enough must lie under a trusted checkpoint. Deleting the
            // newest checkpoints (and re-hashing the seal chain beneath them) leaves events bare.
            let uncovered = try await source.query("""
                SELECT e.position, e.stream_id, e.stream_version, s.seal_seq FROM events e LEFT JOIN seals s ON s.position = e.position
                WHERE e.recorded_at < vellum_ts(\(unsealedBefore.microsecondsSinceEpoch)) AND (s.seal_seq IS NULL OR s.seal_seq > \(covered))
                  AND e.tx_id < pg_snapshot_xmin(pg_current_snapshot())
                ORDER BY e.position LIMIT 1
                """, logger: logger)
            for try await (position, stream, version, seq) in uncovered.decode((Int64, String, Int64, Int64?).self) {
                report.faults.append(ChainFault(
                    kind: .uncovered, position: position, streamID: stream, version: version,
                    detail: covered == 0 ? "no checkpoint signed by a trusted key" : "trusted checkpoints reach seal \(covered)"
                        + (seq.map { ", this event is sealed as \($0)" } ?? "")))
            }
        }

        let unsealed = try await source.query("""
            SELECT e.position, e.stream_id, e.stream_version, count(*) OVER ()
            FROM events e LEFT JOIN seals s ON s.position = e.position
            WHERE s.position IS NULL AND e.recorded_at < vellum_ts(\(unsealedBefore.microsecondsSinceEpoch))
              -- Only what the sealer could have read: a long transaction anywhere in the cluster holds
              -- the gap-safe horizon back, and events above it wait; that is a delay, not tampering.
              AND e.tx_id < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY e.position LIMIT 1
            """, logger: logger)
        for try await (position, stream, version, count) in unsealed.decode((Int64, String, Int64, Int64).self) {
            report.unsealed = Int(count)
            report.faults.append(ChainFault(kind: .unsealed, position: position, streamID: stream, version: version,
                                            detail: "\(count) event(s) unsealed"))
        }
        return report
    }

    /// The first pair of consecutive trusted checkpoints (from seal 0) further apart than `spacing`.
    static func widestGap(in trusted: Set<Int64>, beyond spacing: Int64) -> (from: Int64, to: Int64)? {
        var previous: Int64 = 0
        for seq in trusted.sorted() {
            if seq - previous > spacing { return (previous, seq) }
            previous = seq
        }
        return nil
    }

    /// What seal at `position` recorded: the stream and version sealed there.
    private func sealed(at position: Int64) async throws -> (String, Int64) {
        let (stream, version, _) = try await sealedWithSeq(at: position)
        return (stream, version)
    }

    private func sealedWithSeq(at position: Int64) async throws -> (String, Int64, Int64) {
        for try await row in try await source.query(
            "SELECT stream_id, stream_version, seal_seq FROM seals WHERE position = \(position)", logger: logger
        ).decode((String, Int64, Int64).self) { return row }
        return ("", 0, 0)
    }

    private func check(_ checkpoint: Checkpoint, recomputed: [UInt8]?, keys: [String: Curve25519.Signing.PublicKey], source: String) -> ChainFault? {
        func fault(_ why: String) -> ChainFault {
            ChainFault(kind: .checkpointMismatch, position: nil, streamID: "", version: 0,
                       detail: "\(source) checkpoint at seal \(checkpoint.sealSeq): \(why)")
        }
        guard let key = keys[checkpoint.keyID] else { return fault("signed by audit key \(checkpoint.keyID), which is not trusted") }
        let message = CheckpointMessage.bytes(sealSeq: checkpoint.sealSeq, chainHash: checkpoint.chainHash, signedAt: checkpoint.signedAt)
        guard key.isValidSignature(checkpoint.signature, for: message) else { return fault("the signature does not verify") }
        guard let recomputed else { return fault("the seal chain no longer reaches it") }
        guard recomputed == checkpoint.chainHash else { return fault("the seal chain differs") }
        return nil
    }

    private func storedCheckpoints() async throws -> [Checkpoint] {
        let rows = try await source.query("""
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
        let rows = try await source.query(
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
