import PostgresNIO
import Testing
import VellumStore
import VellumTestSupport

/// The server's sessions ran with PostgreSQL's JIT on: the catch-up round's lag and stranded-event
/// checks, estimated far above `jit_above_cost` on tables without statistics yet, were compiled
/// by LLVM every second (~165 ms for 0.1 ms of execution), and an idle server kept 15 % of a core
/// busy.
@Suite("Settings of a serving process's sessions")
struct ServingSessionsTests {
    @Test func servingSessionsRunWithoutJITAndWithTheirTimeouts() async throws {
        try await TestStore.with { test in
            let serving = test.configuration.forServing(applicationName: "vellum serving-test")
            let values = try await settings(["jit", "statement_timeout", "idle_in_transaction_session_timeout", "application_name"], in: serving)
            #expect(values == ["off", "1min", "30s", "vellum serving-test"])
        }
    }

    @Test func anOperatorsOwnSettingIsKept() async throws {
        try await TestStore.with { test in
            var configuration = test.configuration
            configuration.options.additionalStartupParameters = [("jit", "on"), ("statement_timeout", "5s")]
            let serving = configuration.forServing(applicationName: "vellum serving-test")
            let values = try await settings(["jit", "statement_timeout"], in: serving)
            #expect(values == ["on", "5s"])
        }
    }

    /// What a session of a pool made from `configuration` reports for `names`.
    private func settings(_ names: [String], in configuration: PostgresClient.Configuration) async throws -> [String] {
        let client = PostgresClient(configuration: configuration, backgroundLogger: TestCluster.logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            var values: [String] = []
            for name in names {
                let rows = try await client.query("SELECT current_setting(\(name))", logger: TestCluster.logger)
                for try await value in rows.decode(String.self) { values.append(value) }
            }
            return values
        }
    }
}

/// PostgresNIO's pool arms a timer every time a query gives its connection back, and a cancelled
/// one stays pending until its deadline: with the default idle timeout of a minute, a faster hour
/// took the server's peak RSS past 150 MiB (157–171 MiB; 106 MiB with ten seconds).
@Suite("The serving pools' timers")
struct PoolTimersTests {
    @Test func servingPoolsRunNoKeepAliveQueryAndCloseIdleConnectionsSoon() {
        let configuration = PostgresClient.Configuration(host: "localhost", username: "u", password: nil, database: "d", tls: .disable)
        #expect(configuration.options.connectionIdleTimeout == .seconds(60), "PostgresNIO's default changed")
        for pool in [configuration.withFewPoolTimers, BatchingAppender.poolConfiguration(from: configuration)] {
            #expect(pool.options.keepAliveBehavior == nil)
            #expect(pool.options.connectionIdleTimeout == .seconds(10))
        }
    }
}
