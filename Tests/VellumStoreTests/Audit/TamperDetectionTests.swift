import Crypto
import Foundation
import PostgresNIO
import Testing
import VellumCore
import VellumStore
import VellumTestSupport

/// Each way DESIGN.md §5 says the log can be tampered with, as a superuser with the triggers off;
/// verification names the first bad position and the kind of fault.
@Suite("Tamper detection")
struct TamperDetectionTests {
    private func firstFault(_ log: SealedLog) async throws -> ChainFault? {
        try await log.verify().faults.first
    }

    @Test func anUntouchedLogVerifies() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            let report = try await log.verify()
            #expect(report.isValid, "\(report.faults)")
            #expect(report.seals.seals == 13)
            #expect(report.seals.checkpoints >= 3)
            #expect(report.streams.events == 13)
        }
    }

    @Test func alteredEvent() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            let target = log.events["flow-b"]![2]
            try await log.tamper(#"UPDATE events SET payload = '{"n": 99}' WHERE position = \#(target.position)"#)
            let fault = try #require(try await firstFault(log))
            #expect(fault.kind == .altered)
            #expect(fault.position == target.position)
        }
    }

    @Test func alteredEventWithItsStreamChainRewrittenIsCaughtByTheSeals() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            let stream = log.events["flow-c"]!
            // Rewrite event 2's metadata and every hash after it, and the head, so the stream chain holds.
            var previous = stream[0].hash
            for (index, event) in stream.enumerated().dropFirst() {
                let metadata = index == 1 ? #"{"actor": "forged"}"# : event.metadata
                let hash = EventHash.compute(previous: previous, streamID: event.streamID, version: event.version, type: event.type,
                                             recordedAt: event.recordedAt, payload: event.payload, metadata: metadata)
                try await log.tamper(#"UPDATE events SET metadata = '\#(metadata)', hash = '\x\#(hash.hexString)' WHERE position = \#(event.position)"#)
                previous = hash
            }
            try await log.tamper(#"UPDATE streams SET head_hash = '\x\#(previous.hexString)' WHERE stream_id = 'flow-c'"#)
            let report = try await log.verify()
            #expect(report.streams.isValid, "the stream chain alone is fooled")
            let fault = try #require(report.faults.first)
            #expect(fault.kind == .altered)
            #expect(fault.position == stream[1].position)
        }
    }

    @Test func missingEvent() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            let target = log.events["flow-a"]![1]
            try await log.tamper("DELETE FROM events WHERE position = \(target.position)")
            let fault = try #require(try await firstFault(log))
            #expect(fault.kind == .missing)
            #expect(fault.position == target.position)
        }
    }

    @Test func reorderedEvents() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            let stream = log.events["flow-b"]!
            try await log.tamper("""
                UPDATE events SET stream_version = 100 WHERE position = \(stream[1].position);
                UPDATE events SET stream_version = 2 WHERE position = \(stream[2].position);
                UPDATE events SET stream_version = 3 WHERE position = \(stream[1].position);
                """.replacingOccurrences(of: "\n", with: " "))
            let fault = try #require(try await firstFault(log))
            #expect(fault.kind == .reordered)
            #expect(fault.position == stream[1].position)
        }
    }

    @Test func truncatedStream() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            let stream = log.events["flow-a"]!
            try await log.tamper("DELETE FROM events WHERE position = \(stream[3].position)")
            let report = try await log.verify()
            #expect(report.faults.contains(ChainFault(kind: .truncated, position: stream[2].position, streamID: "flow-a", version: 4)))
            #expect(report.faults.first?.kind == .truncated)
            #expect(report.faults.first?.position == stream[2].position)
        }
    }

    @Test func deletedStream() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            let stream = log.events["flow-c"]!
            try await log.tamper("DELETE FROM events WHERE stream_id = 'flow-c'; DELETE FROM streams WHERE stream_id = 'flow-c'")
            let report = try await log.verify()
            #expect(report.streams.isValid, "with its head gone too, the stream check sees nothing")
            let fault = try #require(report.faults.first)
            #expect(fault.kind == .deletedStream)
            #expect(fault.position == stream[0].position)
            #expect(fault.streamID == "flow-c")
        }
    }

    @Test func unsealedEvent() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            let late = try await test.store.append(to: "flow-a", expected: .exactly(4), events: [testEvent(9)])
            // Only an event the sealer could have read (below the cluster's horizon) is unsealed:
            // wait until other tests' transactions no longer hold the horizon below it.
            var report = try await log.verify(unsealedBefore: Timestamp(Date()).adding(seconds: 3600))
            for _ in 0..<200 where report.faults.isEmpty {
                try await Task.sleep(for: .milliseconds(25))
                report = try await log.verify(unsealedBefore: Timestamp(Date()).adding(seconds: 3600))
            }
            let fault = try #require(report.faults.first)
            #expect(fault.kind == .unsealed)
            #expect(fault.position == late[0].position)
            // Within the sealing interval it is not a fault; once sealed, nothing is.
            #expect(try await log.verify().isValid)
            try await log.seal()
            #expect(try await log.verify(unsealedBefore: Timestamp(Date()).adding(seconds: 3600)).isValid)
        }
    }

    @Test func checkpointMismatch() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            try await log.tamper(#"UPDATE checkpoints SET chain_hash = '\x\#(String(repeating: "ab", count: 32))' WHERE seal_seq = 8"#)
            let fault = try #require(try await firstFault(log))
            #expect(fault.kind == .checkpointMismatch)
            #expect(fault.detail.contains("seal 8"))
        }
    }

    @Test func aRewrittenSealChainIsCaughtByTheShippedCheckpoints() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            // Keep the checkpoints "shipped" before the tampering.
            let shipped = try await test.client.query("""
                SELECT seal_seq, chain_hash, (extract(epoch FROM signed_at) * 1000000)::int8, key_id, signature FROM checkpoints
                """).decode((Int64, ByteBuffer, Int64, String, ByteBuffer).self).reduce(into: [Checkpoint]()) { list, row in
                list.append(Checkpoint(sealSeq: row.0, chainHash: Array(buffer: row.1), signedAt: Timestamp(microsecondsSinceEpoch: row.2),
                                       keyID: row.3, signature: Array(buffer: row.4)))
            }
            // A superuser deletes an event and every seal and checkpoint, and re-seals what is left.
            let target = log.events["flow-a"]![3]
            try await log.tamper("DELETE FROM events WHERE position = \(target.position); UPDATE streams SET version = 3, head_hash = (SELECT hash FROM events WHERE stream_id = 'flow-a' AND stream_version = 3) WHERE stream_id = 'flow-a'; DELETE FROM seals; DELETE FROM checkpoints; DELETE FROM projection_checkpoints")
            try await log.seal()
            #expect(try await log.verify().isValid, "with the seals rewritten, the database alone looks whole")
            let report = try await log.verify(shipped: shipped)
            #expect(report.faults.contains { $0.kind == .checkpointMismatch && $0.detail.contains("shipped") })
        }
    }

    @Test func checkpointLinesRoundTrip() throws {
        let checkpoint = Checkpoint(sealSeq: 42, chainHash: [UInt8](repeating: 3, count: 32),
                                    signedAt: Timestamp(microsecondsSinceEpoch: 1_700_000_000_000_001), keyID: "k", signature: [1, 2, 3])
        #expect(Checkpoint(jsonLine: checkpoint.jsonLine) == checkpoint)
    }
}
