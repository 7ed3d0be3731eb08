import Foundation
import PostgresNIO
import Testing
@testable import VellumStore
import VellumTestSupport

/// The appender's writers hold a connection and work on its event loop; a statement goes out only
/// after the connection is found open there (PostgresNIO loses a statement written to a closed one).
@Suite("Writers' held connections")
struct HeldConnectionTests {
    /// The open-check proves something only on the connection's event loop: a task preferring it
    /// must be back there after every suspension, a statement's reply and a sleep alike.
    @Test func aTaskPreferringAConnectionsEventLoopRunsOnItAfterEverySuspension() async throws {
        try await TestStore.with { test in
            try await test.client.withConnection { connection in
                try await withTaskExecutorPreference(EventLoopExecutor(connection.eventLoop)) {
                    #expect(connection.eventLoop.inEventLoop)
                    for try await _ in try await connection.query("SELECT 1", logger: TestCluster.logger) {}
                    #expect(connection.eventLoop.inEventLoop)
                    try await Task.sleep(for: .milliseconds(5))
                    #expect(connection.eventLoop.inEventLoop)
                    try connection.ensureOpenForNextStatement()
                }
            }
        }
    }

    @Test func aClosedConnectionOrOneCheckedOffItsEventLoopTakesNoStatement() async throws {
        try await TestStore.with { test in
            try await test.client.withConnection { connection in
                // Off its event loop the check cannot rule out a close racing the write.
                #expect(!connection.eventLoop.inEventLoop)
                #expect(throws: HeldConnectionUnusable.self) { try connection.ensureOpenForNextStatement() }
                try await connection.close()
                await withTaskExecutorPreference(EventLoopExecutor(connection.eventLoop)) {
                    #expect(throws: HeldConnectionUnusable.self) { try connection.ensureOpenForNextStatement() }
                }
            }
        }
    }

    /// The database ends the sessions the writers hold while they wait for work (a restart, an
    /// administrator's `pg_terminate_backend`): the next appends are written on new connections.
    @Test func appendsAfterTheDatabaseEndedTheWritersConnectionsAreWrittenOnNewOnes() async throws {
        try await TestStore.with { test in
            // Several streams at once, so that both writers take batches and hold connections.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<16 {
                    group.addTask { _ = try await test.store.append(to: "held-\(n)", expected: .noStream, events: [testEvent(1)]) }
                }
                try await group.waitForAll()
            }
            let terminated = try await test.client.query("""
                SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
                """, logger: TestCluster.logger).decode(Int.self).reduce(0, +)
            #expect(terminated >= 1)
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<16 {
                    group.addTask { _ = try await test.store.append(to: "held-\(n)", expected: .exactly(1), events: [testEvent(2)]) }
                }
                try await group.waitForAll()
            }
            #expect(ContinuousClock.now - started < .seconds(30))
            for n in 0..<16 {
                #expect(try await test.store.readStream("held-\(n)").map(\.version) == [1, 2])
            }
        }
    }
}
