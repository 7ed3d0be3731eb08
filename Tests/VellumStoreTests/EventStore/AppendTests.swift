import PostgresNIO
import Testing
import VellumCore
import VellumStore
import VellumTestSupport

@Suite("Appending to the event store")
struct AppendTests {
    @Test func appendedEventsReadBackExactly() async throws {
        try await TestStore.with { test in
            let events = [testEvent(1), testEvent(2, type: "OtherThingHappened"), ProposedEvent(
                type: "UnicodeRecorded", payload: #"{"name": "Zoë \u00e9 ✓", "nested": {"a": [1, 2.5, null]}}"#,
                metadata: #"{"remote_ip": "2001:db8::1"}"#)]
            let written = try await test.store.append(to: "flow-roundtrip", expected: .noStream, events: events)
            #expect(written.map(\.version) == [1, 2, 3])
            #expect(written.map(\.streamID) == Array(repeating: "flow-roundtrip", count: 3))

            let read = try await test.store.readStream("flow-roundtrip")
            #expect(read == written)
            #expect(read.map(\.payload) == events.map(\.payload))
            #expect(read.map(\.metadata) == events.map(\.metadata))
            #expect(read.map(\.type) == events.map(\.type))
            #expect(Set(read.map(\.transactionID)).count == 1)
            #expect(read[0].position < read[1].position && read[1].position < read[2].position)
            #expect(try await test.store.version(of: "flow-roundtrip") == 3)
            #expect(try await test.store.readStream("flow-roundtrip", afterVersion: 2).map(\.version) == [3])
        }
    }

    @Test func recordedTimeIsStoredToTheMicrosecond() async throws {
        try await TestStore.with { test in
            let written = try await test.store.append(to: "flow-time", expected: .noStream, events: [testEvent(1)])
            let read = try await test.store.readStream("flow-time")
            #expect(read[0].recordedAt == written[0].recordedAt)
            // The database's own reading of the stored value, independent of the store's decoding.
            let text = try await test.client.query("SELECT to_char(recorded_at, 'US') FROM events WHERE stream_id = 'flow-time'")
            for try await value in text.decode(String.self) {
                #expect(value == String(format: "%06d", written[0].recordedAt.microsecondsSinceEpoch % 1_000_000))
            }
        }
    }

    @Test func wrongExpectedVersionIsAConflict() async throws {
        try await TestStore.with { test in
            try await test.store.append(to: "flow-c", expected: .noStream, events: [testEvent(1)])
            await #expect(throws: AppendError.wrongExpectedVersion(streamID: "flow-c", expected: .noStream, actual: 1)) {
                try await test.store.append(to: "flow-c", expected: .noStream, events: [testEvent(2)])
            }
            await #expect(throws: AppendError.wrongExpectedVersion(streamID: "flow-c", expected: .exactly(5), actual: 1)) {
                try await test.store.append(to: "flow-c", expected: .exactly(5), events: [testEvent(2)])
            }
            await #expect(throws: AppendError.wrongExpectedVersion(streamID: "flow-none", expected: .exactly(1), actual: 0)) {
                try await test.store.append(to: "flow-none", expected: .exactly(1), events: [testEvent(2)])
            }
            // After re-reading, the retry succeeds.
            let version = try await test.store.version(of: "flow-c")
            let retried = try await test.store.append(to: "flow-c", expected: .exactly(version), events: [testEvent(2)])
            #expect(retried.map(\.version) == [2])
            #expect(try await test.store.readStream("flow-c").count == 2)
        }
    }

    @Test func emptyAppendIsRefused() async throws {
        try await TestStore.with { test in
            await #expect(throws: AppendError.empty(streamID: "flow-e")) {
                try await test.store.append(to: "flow-e", expected: .noStream, events: [])
            }
        }
    }

    /// 50 writers on two "instances" (two pools, two appenders) race to append version 2.
    @Test func fiftyRacingWritersExactlyOneWins() async throws {
        try await TestStore.with { test in
            try await test.store.append(to: "flow-race", expected: .noStream, events: [testEvent(0)])
            let outcomes = try await withRunningStore(configuration: test.configuration) { second in
                try await withThrowingTaskGroup(of: Bool.self) { group in
                    for writer in 0..<50 {
                        let store = writer.isMultiple(of: 2) ? test.store : second
                        group.addTask {
                            do {
                                try await store.append(to: "flow-race", expected: .exactly(1), events: [testEvent(writer)])
                                return true
                            } catch AppendError.wrongExpectedVersion(_, _, let actual) {
                                #expect(actual == 2)
                                return false
                            }
                        }
                    }
                    return try await group.reduce(into: [Bool]()) { $0.append($1) }
                }
            }
            #expect(outcomes.count { $0 } == 1)
            #expect(outcomes.count { !$0 } == 49)
            #expect(try await test.store.readStream("flow-race").map(\.version) == [1, 2])
            let report = try await ChainVerifier(client: test.client, logger: TestCluster.logger).verify()
            #expect(report.isValid)
            #expect(report.events == 2)
        }
    }

    @Test func concurrentRequestsShareTransactionsAndAllAreDurable() async throws {
        try await TestStore.with { test in
            let requests = 300
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<requests {
                    group.addTask {
                        try await test.store.append(to: "flow-batch-\(index)", expected: .noStream, events: [testEvent(index)])
                    }
                }
                try await group.waitForAll()
            }
            let statistics = test.store.appender.statistics
            #expect(statistics.requests == requests)
            #expect(statistics.events == requests)
            #expect(statistics.transactions < requests, "batching should put several requests in one transaction")
            // Durable: a different connection sees every event.
            let count = try await withConnection(test.configuration) { connection in
                try await connection.query("SELECT count(*)::int8 FROM events", logger: TestCluster.logger)
                    .decode(Int64.self).reduce(0) { $0 + $1 }
            }
            #expect(count == Int64(requests))
        }
    }

    @Test func aConflictInABatchFailsOnlyItsOwnRequest() async throws {
        try await TestStore.with { test in
            try await test.store.append(to: "flow-taken", expected: .noStream, events: [testEvent(0)])
            let results = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
                for index in 0..<40 {
                    group.addTask {
                        let stream = index == 7 ? "flow-taken" : "flow-free-\(index)"
                        do {
                            try await test.store.append(to: stream, expected: .noStream, events: [testEvent(index)])
                            return (index, true)
                        } catch is AppendError {
                            return (index, false)
                        }
                    }
                }
                return try await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
            }
            #expect(results[7] == false)
            #expect(results.filter { $0.key != 7 }.values.allSatisfy { $0 })
        }
    }

    @Test func invalidJSONFailsOnlyItsOwnRequest() async throws {
        try await TestStore.with { test in
            let results = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
                for index in 0..<20 {
                    group.addTask {
                        let event = index == 3 ? ProposedEvent(type: "Broken", payload: "{not json", metadata: "{}") : testEvent(index)
                        do {
                            try await test.store.append(to: "flow-json-\(index)", expected: .noStream, events: [event])
                            return (index, true)
                        } catch AppendError.storage {
                            return (index, false)
                        }
                    }
                }
                return try await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
            }
            #expect(results[3] == false)
            #expect(results.filter { $0.key != 3 }.values.allSatisfy { $0 })
            #expect(try await test.store.readStream("flow-json-3").isEmpty)
        }
    }
}
