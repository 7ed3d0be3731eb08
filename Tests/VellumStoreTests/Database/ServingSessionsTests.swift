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
