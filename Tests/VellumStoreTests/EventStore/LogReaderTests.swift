import NIOCore
import PostgresNIO
import Testing
import VellumCore
import VellumStore
import VellumTestSupport

@Suite("Reading the whole log in gap-safe order")
struct LogReaderTests {
    @Test func readsEveryEventOnceAcrossPages() async throws {
        try await TestStore.with { test in
            for stream in 0..<5 {
                try await test.store.append(to: "flow-\(stream)", expected: .noStream, events: (0..<7).map { testEvent($0) })
            }
            // Tail the log as a catch-up reader does. Transaction ids are cluster-wide, so a test
            // holding a transaction open in another database may hold the horizon back for a while
            // (the whole suite's CREATE DATABASEs, on a loaded machine, held it past 20 s).
            var cursor = LogCursor.start
            var seen: [RecordedEvent] = []
            let deadline = ContinuousClock.now + .seconds(60)
            while seen.count < 35 && ContinuousClock.now < deadline {
                let page = try await test.store.readLog(after: cursor, limit: 4)
                guard let last = page.last else {
                    try await Task.sleep(for: .milliseconds(20))
                    continue
                }
                seen += page
                cursor = last.cursor
            }
            #expect(try await test.store.readLog(after: cursor).isEmpty)
            #expect(seen.count == 35)
            #expect(Set(seen.map(\.position)).count == 35)
            #expect(seen.map(\.cursor) == seen.map(\.cursor).sorted())
        }
    }

    /// Transaction A takes its id first but inserts after B; B commits first. A reader ordered by
    /// position would read B, move past A's position, and never see A. The gap-safe reader shows
    /// neither while A runs, then A before B.
    @Test func doesNotSkipAnEventWhoseTransactionCommitsLate() async throws {
        try await TestStore.with { test in
            try await withConnection(test.configuration) { slow in
                let logger = TestCluster.logger
                try await slow.query("BEGIN", logger: logger)
                try await slow.query("SELECT pg_current_xact_id()", logger: logger)

                let fast = try await test.store.append(to: "flow-fast", expected: .noStream, events: [testEvent(1)])
                #expect(try await test.store.readLog().isEmpty, "B must stay hidden while the older transaction A runs")

                let hash = ByteBuffer(bytes: [UInt8](repeating: 7, count: 32))
                try await slow.query("""
                    INSERT INTO events (stream_id, stream_version, type, recorded_at, payload, metadata, hash)
                    VALUES ('flow-slow', 1, 'TestEventRecorded', now(), '{"n": 2}', '{}', \(hash))
                    """, logger: logger)
                #expect(try await test.store.readLog().isEmpty)
                try await slow.query("COMMIT", logger: logger)

                // Transaction ids are cluster-wide: tests running in other databases of the same
                // cluster may hold the horizon back for a moment, so wait for it to pass.
                var log = try await test.store.readLog()
                for _ in 0..<100 where log.count < 2 {
                    try await Task.sleep(for: .milliseconds(50))
                    log = try await test.store.readLog()
                }
                #expect(log.map(\.streamID) == ["flow-slow", "flow-fast"])
                #expect(log[0].position > fast[0].position, "A holds the higher position but the older transaction")
            }
        }
    }

    /// Regression: the order must be by the `xid8` value, not by its text ("10" sorts before "9").
    @Test func ordersByTransactionIdAsANumber() async throws {
        try await TestStore.with { test in
            let hash = ByteBuffer(bytes: [UInt8](repeating: 1, count: 32))
            // Transaction ids long past, so below every reader's horizon. Only the owner, with the
            // guards off, can choose an event's tx_id (the insert trigger assigns the real one).
            try await withConnection(test.configuration) { connection in
                try await TestCluster.disableGuards(on: connection)
                for (stream, txID) in [("flow-later", "10"), ("flow-earlier", "9")] {
                    try await connection.query("""
                        INSERT INTO events (tx_id, stream_id, stream_version, type, recorded_at, payload, metadata, hash)
                        VALUES (\(txID)::xid8, \(stream), 1, 'TestEventRecorded', now(), '{}', '{}', \(hash))
                        """, logger: TestCluster.logger)
                }
            }
            let log = try await test.store.readLog()
            try #require(log.count == 2)
            #expect(log.map(\.streamID) == ["flow-earlier", "flow-later"])
            #expect(log.map(\.transactionID) == [9, 10])
            #expect(try await test.store.readLog(after: log[0].cursor).map(\.streamID) == ["flow-later"])
        }
    }
}
