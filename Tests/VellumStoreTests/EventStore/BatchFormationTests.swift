import Logging
import PostgresNIO
import Testing
@testable import VellumStore
import VellumTestSupport

@Suite("When a writer starts a batch")
struct BatchFormationTests {
    @Test func aBatchStartsAtOnceWhenNoneIsBeingWritten() {
        #expect(BatchFormation.shouldStart(pendingEvents: 1, inFlight: [], isShuttingDown: false))
        #expect(!BatchFormation.shouldStart(pendingEvents: 0, inFlight: [], isShuttingDown: false))
    }

    @Test func aSecondBatchStartsOnlyWhenItIsAsBigAsTheLargestBeingWritten() {
        #expect(!BatchFormation.shouldStart(pendingEvents: 3, inFlight: [22], isShuttingDown: false))
        #expect(BatchFormation.shouldStart(pendingEvents: 22, inFlight: [22], isShuttingDown: false))
        #expect(!BatchFormation.shouldStart(pendingEvents: 20, inFlight: [5, 30], isShuttingDown: false))
        #expect(BatchFormation.shouldStart(pendingEvents: 31, inFlight: [5, 30], isShuttingDown: false))
    }

    @Test func shuttingDownWritesWhatWaitsWhateverIsInFlight() {
        #expect(BatchFormation.shouldStart(pendingEvents: 1, inFlight: [40], isShuttingDown: true))
        #expect(!BatchFormation.shouldStart(pendingEvents: 0, inFlight: [40], isShuttingDown: true))
    }

    /// Requests of different sizes from many tasks through four writers: every one is written and
    /// answered (none left waiting for a batch that never starts), and they share transactions.
    @Test(.timeLimit(.minutes(1))) func fourWritersAnswerEveryRequestOfMixedSizes() async throws {
        let configuration = try await TestCluster.makeDatabase()
        let logger = TestCluster.logger
        let pool = PostgresClient(configuration: BatchingAppender.poolConfiguration(from: configuration, concurrentBatches: 4),
                                  backgroundLogger: logger)
        let appender = BatchingAppender(client: pool, concurrentBatches: 4, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await pool.run() }
            group.addTask { try await appender.run() }
            defer { group.cancelAll() }
            let streams = 40, rounds = 10
            try await withThrowingTaskGroup(of: Void.self) { appends in
                for stream in 0..<streams {
                    appends.addTask {
                        var version: Int64 = 0
                        for round in 0..<rounds {
                            let events = (0..<(1 + (stream + round) % 6)).map { testEvent($0) }
                            let written = try await appender.append(
                                to: "mixed-\(stream)", expected: version == 0 ? .noStream : .exactly(version), events: events)
                            version = written.last!.version
                        }
                    }
                }
                try await appends.waitForAll()
            }
            let expected = (0..<streams).reduce(0) { total, stream in
                total + (0..<rounds).reduce(0) { $0 + 1 + (stream + $1) % 6 }
            }
            let statistics = appender.statistics
            #expect(statistics.requests == streams * rounds)
            #expect(statistics.events == expected)
            #expect(statistics.transactions < streams * rounds)
            let stored = try await pool.query("SELECT count(*)::int8 FROM events", logger: logger).decode(Int64.self).reduce(0, +)
            #expect(stored == Int64(expected))
        }
    }
}
