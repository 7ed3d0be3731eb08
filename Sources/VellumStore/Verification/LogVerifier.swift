public import Crypto
public import Logging
public import PostgresNIO
public import VellumCore

/// Everything `vellum-audit verify` checks, in one pass over the log: every stream's chain and
/// head (StreamChains), the seal chain, the checkpoints, coverage and the unsealed tail
/// (SealVerifier), with the faults in report order.
///
/// The pass reads the sealed events in seal order (which is each stream's version order), then
/// the unsealed ones in position order, each row once, all in one snapshot; a second connection
/// on the same snapshot reads the keys and the heads left without events meanwhile.
public struct LogVerifier: Sendable {
    public struct Report: Sendable {
        public var streams: ChainVerifier.Report
        public var seals: SealVerifier.Report
        /// Whether the proof rests on something outside the database (a pinned audit key or shipped
        /// checkpoints). Without it, a valid report says only that the log agrees with itself.
        public var anchored = false
        /// Every fault, by position, the most specific first.
        public var faults: [ChainFault] { ChainFault.reportOrder(streams.faults + seals.faults) }
        public var isValid: Bool { faults.isEmpty }
    }

    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// - Parameters:
    ///   - unsealedBefore: events recorded before this must be sealed (and, when anchored, covered).
    ///   - shippedCheckpoints: checkpoints kept outside the database, checked like the table's.
    ///   - pinnedKeys: the audit keys an auditor holds outside the database (by key id): when given,
    ///     only checkpoints they signed count, and every event recorded before `unsealedBefore` must
    ///     be covered by one. When empty, the keys the log itself records are used, which proves the
    ///     log only against itself.
    ///   - maximumCheckpointSpacing: the most seals the sealer lets pass between checkpoints.
    ///   - progress: called every 10,000 events with the number verified.
    public func verify(unsealedBefore: Timestamp, shippedCheckpoints: [Checkpoint] = [],
                       pinnedKeys: [String: Curve25519.Signing.PublicKey] = [:],
                       maximumCheckpointSpacing: Int64 = Sealer.defaultCheckpointEvents,
                       progress: @Sendable (Int64) -> Void = { _ in }) async throws -> Report {
        let logger = logger
        let anchored = !pinnedKeys.isEmpty || !shippedCheckpoints.isEmpty
        return try await client.withSharedSnapshot(logger: logger) { first, second in
            let pass = Pass(connection: first, logger: logger, unsealedBefore: unsealedBefore)
            let stored = try await pass.storedCheckpoints()
            async let side = Self.sideReads(on: second, logger: logger, pinnedKeys: pinnedKeys, pass: pass)
            var walk = Walk(seals: SealVerifier(checkpointSeqs: Set(stored.map(\.sealSeq) + shippedCheckpoints.map(\.sealSeq))))
            try await pass.walkSealed(&walk, progress: progress)
            let (keys, headless, unsealed) = try await side
            try await pass.walkUnsealed(unsealed, &walk, progress: progress)

            var streams = ChainVerifier.Report(events: walk.chains.events, streams: walk.chains.streams,
                                               faults: walk.chains.finish() + headless)
            streams.faults = ChainFault.reportOrder(streams.faults)
            var seals = SealVerifier.Report(seals: walk.seals.seals, unsealed: walk.unsealed)
            seals.faults = try await pass.sealFaults(walk.seals)

            var trusted = Set<Int64>()
            for (source, list) in [("database", stored), ("shipped", shippedCheckpoints)] {
                for checkpoint in list {
                    seals.checkpoints += 1
                    if let fault = walk.seals.check(checkpoint, keys: keys, source: source) {
                        seals.faults.append(fault)
                    } else {
                        trusted.insert(checkpoint.sealSeq)
                    }
                }
            }
            let covered = trusted.max() ?? 0
            seals.coveredThrough = covered
            if anchored {
                if let gap = SealVerifier.widestGap(in: trusted, beyond: maximumCheckpointSpacing) {
                    // The sealer signs at least every `checkpointEvents` seals: a wider gap between trusted
                    // checkpoints means some were removed (and what lay between may have been rewritten).
                    seals.faults.append(ChainFault(kind: .uncovered, position: nil, streamID: "", version: 0,
                                                   detail: "no trusted checkpoint between seals \(gap.from) and \(gap.to)"))
                }
                // Every event old enough must lie under a trusted checkpoint. Deleting the newest
                // checkpoints (and re-hashing the seal chain beneath them) leaves events bare.
                let candidates = [walk.seals.earliestOld(after: covered), walk.firstUnsealed].compactMap { $0 }
                if let event = candidates.min(by: { $0.position < $1.position }) {
                    seals.faults.append(ChainFault(
                        kind: .uncovered, position: event.position, streamID: event.streamID, version: event.version,
                        detail: covered == 0 ? "no checkpoint signed by a trusted key" : "trusted checkpoints reach seal \(covered)"
                            + (event.sealSeq.map { ", this event is sealed as \($0)" } ?? "")))
                }
            }
            if let event = walk.firstUnsealed {
                seals.faults.append(ChainFault(kind: .unsealed, position: event.position, streamID: event.streamID,
                                               version: event.version, detail: "\(walk.unsealed) event(s) unsealed"))
            }
            return Report(streams: streams, seals: seals, anchored: anchored)
        }
    }

    /// What the second connection reads meanwhile: the audit keys to trust, the heads left with no
    /// event, and the unsealed events (read after the sealed ones).
    private static func sideReads(on connection: PostgresConnection, logger: Logger, pinnedKeys: [String: Curve25519.Signing.PublicKey],
                                  pass: Pass) async throws -> ([String: Curve25519.Signing.PublicKey], [ChainFault], PostgresRowSequence) {
        let keys = pinnedKeys.isEmpty ? try await auditKeys(on: connection, logger: logger) : pinnedKeys
        let headless = try await ChainVerifier.headsWithoutEvents(.connection(connection), logger: logger)
        return (keys, headless, try await pass.unsealedEvents(on: connection))
    }

    /// The audit public keys the log itself records.
    private static func auditKeys(on connection: PostgresConnection, logger: Logger) async throws -> [String: Curve25519.Signing.PublicKey] {
        let rows = try await connection.query(
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
