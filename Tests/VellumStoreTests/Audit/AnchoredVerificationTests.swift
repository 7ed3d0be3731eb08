import Crypto
import Foundation
import NIOCore
import PostgresNIO
import Testing
import VellumCore
import VellumStore
import VellumTestSupport

/// The administrator-attacker: a superuser who can rewrite anything in the database, seals and
/// checkpoints included, but holds neither the pinned audit key nor the checkpoints shipped off
/// the database. Against the database alone each forgery verifies; against an anchor it is named.
@Suite("verify against an anchor outside the database")
struct AnchoredVerificationTests {
    /// Every event counts as old enough to need a checkpoint.
    static let everythingOld = Timestamp(Date()).adding(seconds: 3600)

    private func pinned(_ log: SealedLog) -> [String: Curve25519.Signing.PublicKey] { [log.signer.keyID: log.signer.key.publicKey] }

    private func checkpoints(_ log: SealedLog) async throws -> [Checkpoint] {
        let rows = try await log.test.client.query("""
            SELECT seal_seq, chain_hash, (extract(epoch FROM signed_at) * 1000000)::int8, key_id, signature FROM checkpoints ORDER BY seal_seq
            """)
        var list: [Checkpoint] = []
        for try await (seq, chain, at, key, signature) in rows.decode((Int64, ByteBuffer, Int64, String, ByteBuffer).self) {
            list.append(Checkpoint(sealSeq: seq, chainHash: Array(buffer: chain), signedAt: Timestamp(microsecondsSinceEpoch: at),
                                   keyID: key, signature: Array(buffer: signature)))
        }
        return list
    }

    /// Recomputes every seal's chain hash from the events now in place, as the attacker would.
    private func rehashSeals(_ log: SealedLog) async throws {
        let rows = try await log.test.client.query(
            "SELECT s.seal_seq, e.hash FROM seals s JOIN events e ON e.position = s.position ORDER BY s.seal_seq")
        var chain = SealChain.genesis
        var updates: [String] = []
        for try await (seq, hash) in rows.decode((Int64, ByteBuffer).self) {
            chain = SealChain.next(previous: chain, sealSeq: seq, eventHash: Array(buffer: hash))
            updates.append(#"UPDATE seals SET chain_hash = '\x\#(chain.hexString)' WHERE seal_seq = \#(seq)"#)
        }
        try await log.tamper(updates.joined(separator: ";"))
    }

    @Test func withoutAnAnchorAValidLogIsOnlyUnanchored() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            let report = try await log.verify()
            #expect(report.isValid && !report.anchored)
            let anchored = try await LogVerifier(client: test.client, logger: TestCluster.logger)
                .verify(unsealedBefore: Timestamp(Date()).adding(seconds: -3600), pinnedKeys: pinned(log))
            #expect(anchored.isValid && anchored.anchored, "\(anchored.faults)")
        }
    }

    @Test func deletingAFlowsNewestEventsWithTheirSealsAndLaterCheckpointsIsNamed() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            let shipped = try await checkpoints(log)
            // flow-c's two newest events, the older of them already under a checkpoint.
            let victims = log.events["flow-c"]!.suffix(2).map(\.position)
            let remaining = log.events["flow-c"]![1]
            let firstSeq = try await test.client.query("SELECT min(seal_seq) FROM seals WHERE position = ANY(\(victims))")
                .decode(Int64.self).reduce(0) { $1 }
            try await log.tamper("""
                DELETE FROM events WHERE position IN (\(victims.map(String.init).joined(separator: ", ")));
                DELETE FROM seals WHERE position IN (\(victims.map(String.init).joined(separator: ", ")));
                UPDATE seals SET seal_seq = seal_seq + 1000000;
                UPDATE seals s SET seal_seq = r.n FROM (SELECT seal_seq, row_number() OVER (ORDER BY seal_seq) AS n FROM seals) r
                    WHERE s.seal_seq = r.seal_seq;
                DELETE FROM checkpoints WHERE seal_seq >= \(firstSeq);
                UPDATE streams SET version = 2, head_hash = '\\x\(remaining.hash.hexString)' WHERE stream_id = 'flow-c'
                """)
            try await rehashSeals(log)

            // The database alone is fooled.
            let alone = try await log.verify(unsealedBefore: Self.everythingOld)
            #expect(alone.isValid && !alone.anchored, "\(alone.faults)")
            // The pinned key: events past the last (honest) checkpoint are covered by none.
            let pinnedReport = try await LogVerifier(client: test.client, logger: TestCluster.logger)
                .verify(unsealedBefore: Self.everythingOld, pinnedKeys: pinned(log))
            #expect(pinnedReport.faults.contains { $0.kind == .uncovered }, "\(pinnedReport.faults)")
            // The shipped checkpoints: the chain no longer matches what was signed.
            let shippedReport = try await log.verify(unsealedBefore: Self.everythingOld, shipped: shipped)
            #expect(shippedReport.faults.contains { $0.kind == .checkpointMismatch }, "\(shippedReport.faults)")
        }
    }

    @Test func anEmptiedAndReMigratedDatabaseIsNamed() async throws {
        let (pinnedKeys, shipped) = try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            return (pinned(log), try await checkpoints(log))
        }
        // A fresh database, refilled and sealed with a key the attacker made.
        try await TestStore.with { test in
            let forged = try await SealedLog.make(test)
            #expect(try await forged.verify(unsealedBefore: Self.everythingOld).isValid)
            let pinnedReport = try await LogVerifier(client: test.client, logger: TestCluster.logger)
                .verify(unsealedBefore: Self.everythingOld, pinnedKeys: pinnedKeys)
            #expect(pinnedReport.faults.contains { $0.kind == .checkpointMismatch }, "signed by a key that is not the pinned one")
            #expect(pinnedReport.faults.contains { $0.kind == .uncovered })
            let shippedReport = try await forged.verify(unsealedBefore: Self.everythingOld, shipped: shipped)
            #expect(shippedReport.faults.contains { $0.kind == .checkpointMismatch })
        }
    }

    @Test func rewritingTheUnsignedTailIsNamedOnceItIsOldEnough() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            // The newest event lies past the last checkpoint: rewrite it and its seal consistently.
            let last = try #require(log.events.values.flatMap { $0 }.max { $0.position < $1.position })
            try await log.tamper(#"UPDATE events SET payload = '{"n": 42}' WHERE position = \#(last.position)"#)
            let pinnedReport = try await LogVerifier(client: test.client, logger: TestCluster.logger)
                .verify(unsealedBefore: Self.everythingOld, pinnedKeys: pinned(log))
            #expect(pinnedReport.faults.contains { $0.kind == .uncovered && $0.position == last.position }, "\(pinnedReport.faults)")
        }
    }

    @Test func aCheckpointRemovedFromTheMiddleIsNamed() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)  // checkpoints every 4 seals
            try await log.tamper("DELETE FROM checkpoints WHERE seal_seq = 8")
            let report = try await LogVerifier(client: test.client, logger: TestCluster.logger)
                .verify(unsealedBefore: Timestamp(Date()).adding(seconds: -3600), pinnedKeys: pinned(log), maximumCheckpointSpacing: 4)
            #expect(report.faults.contains { $0.kind == .uncovered && $0.detail.contains("between seals 4 and 12") }, "\(report.faults)")
        }
    }

    @Test func anEventInsertedBehindTheSealersCursorIsNamed() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            try await log.tamper("""
                INSERT INTO events (tx_id, stream_id, stream_version, type, recorded_at, payload, metadata, hash)
                VALUES ('5'::xid8, 'flow-z', 1, 'TestEventRecorded', now() - interval '2 hours', '{}', '{}', decode(repeat('00', 32), 'hex'))
                """)
            let report = try await LogVerifier(client: test.client, logger: TestCluster.logger)
                .verify(unsealedBefore: Timestamp(Date()).adding(seconds: -3600), pinnedKeys: pinned(log))
            #expect(report.faults.contains { $0.kind == .unsealed }, "\(report.faults)")
            #expect(report.faults.contains { $0.kind == .uncovered })
        }
    }
}
