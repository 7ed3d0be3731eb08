import PostgresNIO
import Testing
import VellumStore
import VellumTestSupport

@Suite("The log is append-only in the database")
struct AppendOnlyTests {
    private func expectRefused(_ test: TestStore, _ sql: String, role: String? = nil, message: String) async throws {
        try await withConnection(test.configuration) { connection in
            if let role { try await connection.query(PostgresQuery(unsafeSQL: "SET ROLE \(role)"), logger: TestCluster.logger) }
            do {
                try await connection.query(PostgresQuery(unsafeSQL: sql), logger: TestCluster.logger)
                Issue.record("\(sql) was not refused")
            } catch let error as PSQLError {
                #expect(error.serverInfo?[.message]?.contains(message) == true, "\(String(reflecting: error))")
            }
        }
    }

    @Test func updateDeleteAndTruncateAreRefusedEvenForTheSuperuser() async throws {
        try await TestStore.with { test in
            try await test.store.append(to: "flow-x", expected: .noStream, events: [testEvent(1)])
            try await expectRefused(test, #"UPDATE events SET payload = '{}'"#, message: "append-only")
            try await expectRefused(test, "DELETE FROM events", message: "append-only")
            try await expectRefused(test, "TRUNCATE events", message: "append-only")
            #expect(try await test.store.readStream("flow-x").count == 1)
        }
    }

    @Test func theApplicationRoleMayOnlyInsertAndSelect() async throws {
        try await TestStore.with { test in
            try await test.store.append(to: "flow-y", expected: .noStream, events: [testEvent(1)])
            try await expectRefused(test, #"UPDATE events SET payload = '{}'"#, role: "vellum_app", message: "permission denied")
            try await expectRefused(test, "DELETE FROM events", role: "vellum_app", message: "permission denied")
            try await expectRefused(test, "TRUNCATE events", role: "vellum_app", message: "permission denied")
            try await withConnection(test.configuration) { connection in
                try await connection.query("SET ROLE vellum_app", logger: TestCluster.logger)
                let rows = try await connection.query("SELECT count(*)::int8 FROM events", logger: TestCluster.logger)
                #expect(try await rows.decode(Int64.self).reduce(0, +) == 1)
            }
        }
    }

    @Test func theAuditorRoleMayOnlySelect() async throws {
        try await TestStore.with { test in
            try await expectRefused(test,
                #"INSERT INTO events (stream_id, stream_version, type, recorded_at, payload, metadata, hash) VALUES ('s', 1, 't', now(), '{}', '{}', '\x00')"#,
                role: "vellum_auditor", message: "permission denied")
            try await expectRefused(test, "UPDATE streams SET version = 0", role: "vellum_auditor", message: "permission denied")
        }
    }
}
