import PostgresNIO
import Testing
import VellumCore
import VellumStore
import VellumTestSupport

@Suite("Verifying the hash chains")
struct ChainVerifierTests {
    /// Three streams of four events each; returns the recorded events by stream.
    private func seed(_ test: TestStore) async throws -> [String: [RecordedEvent]] {
        var byStream: [String: [RecordedEvent]] = [:]
        for stream in ["flow-a", "flow-b", "flow-c"] {
            for n in 0..<4 {
                byStream[stream, default: []] += try await test.store.append(
                    to: stream, expected: n == 0 ? .noStream : .exactly(Int64(n)), events: [testEvent(n)])
            }
        }
        return byStream
    }

    private func verify(_ test: TestStore) async throws -> ChainVerifier.Report {
        try await ChainVerifier(client: test.client, logger: TestCluster.logger).verify()
    }

    /// Runs `sql` as the superuser with the append-only triggers off, as a tamperer would.
    private func tamper(_ test: TestStore, _ sql: String) async throws {
        try await withConnection(test.configuration) { connection in
            // The administrator-attacker: as the owner, turn the guards off (ENABLE ALWAYS stops
            // `session_replication_role = replica` from doing it).
            try await TestCluster.disableGuards(on: connection)
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: TestCluster.logger)
        }
    }

    @Test func untouchedLogVerifies() async throws {
        try await TestStore.with { test in
            _ = try await seed(test)
            let report = try await verify(test)
            #expect(report.isValid)
            #expect(report.events == 12)
            #expect(report.streams == 3)
        }
    }

    @Test func alteredPayloadIsReportedAtItsPosition() async throws {
        try await TestStore.with { test in
            let target = try await seed(test)["flow-b"]![2]
            try await tamper(test, #"UPDATE events SET payload = '{"n": 99}' WHERE position = \#(target.position)"#)
            let fault = try #require(try await verify(test).firstFault)
            #expect(fault == ChainFault(kind: .altered, position: target.position, streamID: "flow-b", version: 3))
        }
    }

    @Test func alteredEventWithRecomputedHashIsStillCaught() async throws {
        try await TestStore.with { test in
            let events = try await seed(test)["flow-a"]!
            let target = events[1]
            // The tamperer rewrites the metadata and stores a correct hash for the new content,
            // chained to the stored previous hash: the later links no longer match.
            let forged = EventHash.compute(
                previous: events[0].hash, streamID: target.streamID, version: target.version, type: target.type,
                recordedAt: target.recordedAt, payload: target.payload, metadata: #"{"actor": "someone else"}"#)
            let hex = forged.map { String(format: "%02x", $0) }.joined()
            try await tamper(test, #"UPDATE events SET metadata = '{"actor": "someone else"}', hash = '\x\#(hex)' WHERE position = \#(target.position)"#)
            let fault = try #require(try await verify(test).firstFault)
            #expect(fault.streamID == "flow-a")
            #expect(fault.kind == .altered)
            #expect(fault.position == events[2].position)
        }
    }

    @Test func deletedEventIsReportedAsMissing() async throws {
        try await TestStore.with { test in
            let events = try await seed(test)["flow-c"]!
            try await tamper(test, "DELETE FROM events WHERE position = \(events[1].position)")
            let fault = try #require(try await verify(test).firstFault)
            #expect(fault == ChainFault(kind: .missing, position: events[2].position, streamID: "flow-c", version: 2))
        }
    }

    @Test func truncatedTailIsReported() async throws {
        try await TestStore.with { test in
            let events = try await seed(test)["flow-a"]!
            try await tamper(test, "DELETE FROM events WHERE position = \(events[3].position)")
            let fault = try #require(try await verify(test).firstFault)
            #expect(fault == ChainFault(kind: .truncated, position: events[2].position, streamID: "flow-a", version: 4))
        }
    }

    @Test func firstFaultIsTheLowestPosition() async throws {
        try await TestStore.with { test in
            let seeded = try await seed(test)
            let early = seeded["flow-c"]![0]
            let late = seeded["flow-a"]![3]
            try await tamper(test, #"UPDATE events SET type = 'Forged' WHERE position IN (\#(early.position), \#(late.position))"#)
            let report = try await verify(test)
            #expect(report.faults.count == 2)
            #expect(report.firstFault?.position == min(early.position, late.position))
        }
    }
}
