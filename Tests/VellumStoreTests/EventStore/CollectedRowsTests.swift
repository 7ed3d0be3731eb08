import Logging
import PostgresNIO
import Testing
import VellumStore
import VellumTestSupport

/// PostgresNIO 1.33 stops the process when the database ends a session while a result of many
/// socket reads waits for its reader (`RowStreamStateMachine.channelReadComplete`); the fault run
/// saw it twice, once in a catch-up batch. Results of many rows are collected on the event
/// loop instead, where a session ended mid-result fails the query.
@Suite("Results collected on the event loop")
struct CollectedRowsTests {
    @Test func aSessionEndedMidResultFailsTheQueryAndTheProcessGoesOn() async throws {
        try await TestStore.with { test in
            let configuration = PostgresConnection.Configuration(
                unixSocketPath: test.configuration.unixSocketPath ?? "", username: test.configuration.username,
                password: test.configuration.password, database: test.configuration.database)
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 7, logger: TestCluster.logger)
            defer { Task { try? await connection.close() } }
            var pid: Int32 = 0
            for try await value in try await connection.query("SELECT pg_backend_pid()", logger: TestCluster.logger).decode(Int32.self) { pid = value }
            let backend = pid
            // Ends the session once the result is flowing.
            let terminator = Task {
                try await Task.sleep(for: .milliseconds(300))
                try await withConnection(test.configuration) { other in
                    try await other.query("SELECT pg_terminate_backend(\(backend))", logger: TestCluster.logger)
                }
            }
            // 2 KB rows produced over seconds (a short sleep every 100 rows): many socket reads.
            await #expect(throws: (any Error).self) {
                _ = try await connection.collectedRows("""
                    SELECT n, repeat('x', 2000), CASE WHEN n % 100 = 0 THEN pg_sleep(0.005)::text END
                    FROM generate_series(1, 200000) n
                    """, logger: TestCluster.logger)
            }
            try await terminator.value
        }
    }
}
