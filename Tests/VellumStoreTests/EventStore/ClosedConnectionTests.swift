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
                let neverEnds = Task<Int, any Error> { try await Task.sleep(for: .seconds(120)); return 0 }
                defer { neverEnds.cancel() }
                Task {
                    try await Task.sleep(for: .milliseconds(100))
                    try await connection.close()
                }
                let started = ContinuousClock.now
                await #expect(throws: DeadlineExceeded.self) { _ = try await outcome(of: neverEnds, unlessClosed: inUse) }
                let took = ContinuousClock.now - started
                #expect(took < .seconds(3), "abandoned \(took) after it began, its connection closed after 0.1 s")
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

    @Test func aTerminatedStatementFailsWithTheDatabasesError() async throws {
        try await TestStore.with { test in
            let work = Task {
                try await VellumStore.withConnection(of: test.client) { connection in
                    for try await _ in try await connection.query("SELECT pg_sleep(30)", logger: TestCluster.logger) {}
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            try await test.client.query("""
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = current_database() AND query = 'SELECT pg_sleep(30)'
                """, logger: TestCluster.logger)
            await #expect(throws: PSQLError.self) { _ = try await work.value }
        }
    }
}
