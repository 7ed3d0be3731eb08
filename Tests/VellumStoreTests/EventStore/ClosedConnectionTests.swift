import Foundation
import PostgresNIO
import Testing
@testable import VellumStore
import VellumTestSupport

/// A statement is awaited while its connection is open and abandoned soon after that closes: a
/// statement that never ended after a database restart held a whole sealing round (and the
/// shipping of checkpoints) for 30 s while it was looked at only past a 10 s limit.
@Suite("Statements on a connection that closed")
struct ClosedConnectionTests {
    @Test func aStatementThatNeverEndsIsAbandonedSoonAfterItsConnectionCloses() async throws {
        try await TestStore.with { test in
            try await withConnection(test.configuration) { connection in
                let inUse = ConnectionInUse()
                inUse.set(connection)
                // As PostgresNIO leaves a statement written to a channel that had just closed: never answered.
                let neverEnds = Task<Int, any Error> { try await Task.sleep(for: .seconds(600)); return 0 }
                defer { neverEnds.cancel() }
                Task {
                    try await Task.sleep(for: .milliseconds(100))
                    try await connection.close()
                }
                let started = ContinuousClock.now
                await #expect(throws: DeadlineExceeded.self) { _ = try await outcome(of: neverEnds, unlessClosed: inUse) }
                // Half a second after the close when the machine is idle; a loaded full run was seen to take 6.5 s.
                let took = ContinuousClock.now - started
                #expect(took < .seconds(60), "abandoned \(took) after it began, its connection closed after 0.1 s")
            }
        }
    }

    @Test func aSlowStatementOnAnOpenConnectionIsAwaited() async throws {
        try await TestStore.with { test in
            let started = ContinuousClock.now
            let slept = try await VellumStore.withConnection(of: test.client) { connection in
                for try await _ in try await connection.query("SELECT pg_sleep(1.5)", logger: TestCluster.logger) {}
                return true
            }
            #expect(slept)
            #expect(ContinuousClock.now - started >= .seconds(1.5))
        }
    }

    /// Its error, or (when the error comes later than the grace, under load) ``DeadlineExceeded``:
    /// either way, not the statement's 120 s.
    @Test func aStatementWhoseSessionIsTerminatedEndsWithAnError() async throws {
        try await TestStore.with { test in
            let started = ContinuousClock.now
            let work = Task {
                try await VellumStore.withConnection(of: test.client) { connection in
                    for try await _ in try await connection.query("SELECT pg_sleep(120)", logger: TestCluster.logger) {}
                }
            }
            var terminated = false
            for _ in 0..<300 where !terminated {
                try await Task.sleep(for: .milliseconds(100))
                terminated = try await test.client.query("""
                    SELECT count(pg_terminate_backend(pid)) > 0 FROM pg_stat_activity
                    WHERE datname = current_database() AND query = 'SELECT pg_sleep(120)' AND state = 'active'
                    """, logger: TestCluster.logger).decode(Bool.self).reduce(false) { $0 || $1 }
            }
            #expect(terminated)
            await #expect(throws: (any Error).self) { _ = try await work.value }
            #expect(ContinuousClock.now - started < .seconds(90))
        }
    }
}
