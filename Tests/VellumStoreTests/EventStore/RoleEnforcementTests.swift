import Foundation
import PostgresNIO
import Testing
import VellumCore
import VellumStore
import VellumTestSupport

/// Each "cannot" of docs/database-roles.md, tried as that role.
@Suite("What each role cannot do, as that role")
struct RoleEnforcementTests {
    /// Runs `sql` as `role` and expects PostgreSQL to refuse it with `message`.
    private func expectRefused(_ test: TestStore, _ sql: String, as role: String, message: String) async throws {
        try await withConnection(test.configuration) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "SET ROLE \(role)"), logger: TestCluster.logger)
            do {
                try await connection.query(PostgresQuery(unsafeSQL: sql), logger: TestCluster.logger)
                Issue.record("\(role) was allowed: \(sql)")
            } catch let error as PSQLError {
                #expect(error.serverInfo?[.message]?.contains(message) == true, "\(sql): \(String(reflecting: error))")
            }
        }
    }

    @Test func theApplicationRoleCannotAlterTheLogItsSealsOrItsCheckpoints() async throws {
        try await TestStore.with { test in
            try await test.store.append(to: "flow-x", expected: .noStream, events: [testEvent(1)])
            for (table, column) in [("events", "payload"), ("seals", "chain_hash"), ("checkpoints", "seal_seq")] {
                try await expectRefused(test, "UPDATE \(table) SET \(column) = \(column)", as: "vellum_app", message: "permission denied")
                try await expectRefused(test, "DELETE FROM \(table)", as: "vellum_app", message: "permission denied")
                try await expectRefused(test, "TRUNCATE \(table)", as: "vellum_app", message: "permission denied")
                try await expectRefused(test, "ALTER TABLE \(table) DISABLE TRIGGER USER", as: "vellum_app", message: "must be owner")
                try await expectRefused(test, "DROP TABLE \(table)", as: "vellum_app", message: "must be owner")
            }
            try await expectRefused(test, "CREATE TABLE shadow (x int)", as: "vellum_app", message: "permission denied")
            try await expectRefused(test, "SET session_replication_role = replica", as: "vellum_app", message: "permission denied")
            try await expectRefused(test, "SELECT * FROM user_credentials", as: "vellum_auditor", message: "permission denied")
            try await expectRefused(test, "DELETE FROM seals", as: "vellum_auditor", message: "permission denied")
            #expect(try await test.store.readStream("flow-x").count == 1)
        }
    }

    /// docs/database-roles.md's grants for a migrating role that cannot create roles, run as
    /// written on a database whose grants were all taken back: the application role can then
    /// append and read, as the server does.
    @Test func theDocumentedManualGrantsLetTheApplicationAppend() async throws {
        let doc = try String(contentsOf: URL(filePath: #filePath).deletingLastPathComponent()
            .appending(path: "../../../docs/database-roles.md").standardized, encoding: .utf8)
        let section = try #require(doc.components(separatedBy: "## When the migrating role cannot create roles").last)
        let sql = try #require(section.components(separatedBy: "```sql\n").dropFirst().first?.components(separatedBy: "```").first)
        try await TestStore.with { test in
            try await withConnection(test.configuration) { connection in
              do {
                for revoke in ["REVOKE ALL ON ALL TABLES IN SCHEMA public FROM vellum_app, vellum_auditor",
                               "REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM vellum_app, vellum_auditor",
                               "REVOKE ALL ON SCHEMA public FROM vellum_app, vellum_auditor"] {
                    try await connection.query(PostgresQuery(unsafeSQL: revoke), logger: TestCluster.logger)
                }
                // The roles are the cluster's and exist already; every other statement runs as written.
                for statement in sql.components(separatedBy: ";\n").map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) })
                where !statement.isEmpty && !statement.hasPrefix("CREATE ROLE") {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: TestCluster.logger)
                }
                try await connection.query("SET ROLE vellum_app", logger: TestCluster.logger)
                try await connection.query("""
                    INSERT INTO events (stream_id, stream_version, type, recorded_at, payload, metadata, hash)
                    VALUES ('flow-granted', 1, 'TestEventRecorded', now(), '{}', '{}', decode(repeat('00', 32), 'hex'))
                    """, logger: TestCluster.logger)
                try await connection.query("INSERT INTO streams (stream_id, version, head_hash) VALUES ('flow-granted', 1, NULL)",
                                           logger: TestCluster.logger)
                try await connection.query("SELECT count(*) FROM events, streams, clients, signing_keys, login_failures",
                                           logger: TestCluster.logger)
              } catch let error as PSQLError {
                Issue.record("\(error.serverInfo?[.message] ?? String(reflecting: error))")
              }
            }
        }
    }

    @Test func theDatabaseAssignsPositionAndTransactionAndBoundsTheTime() async throws {
        try await TestStore.with { test in
            try await test.store.append(to: "flow-a", expected: .noStream, events: [testEvent(1)])
            try await withConnection(test.configuration) { connection in
                try await connection.query("SET ROLE vellum_app", logger: TestCluster.logger)
                // A forged position and transaction id (an event slipped in "behind the sealer's cursor"):
                // the database assigns its own.
                let forged = try await connection.query("""
                    INSERT INTO events (position, tx_id, stream_id, stream_version, type, recorded_at, payload, metadata, hash)
                    OVERRIDING SYSTEM VALUE
                    VALUES (1, '3'::xid8, 'flow-forged', 1, 'T', now(), '{}', '{}', decode(repeat('00', 32), 'hex'))
                    RETURNING position, tx_id::text, pg_current_xact_id()::text
                    """, logger: TestCluster.logger)
                for try await (position, transaction, current) in forged.decode((Int64, String, String).self) {
                    #expect(position != 1)
                    #expect(transaction == current && transaction != "3")
                }
                // A backdated (or future) time is refused.
                for shift in ["- interval '1 day'", "+ interval '1 day'"] {
                    do {
                        try await connection.query(PostgresQuery(unsafeSQL: """
                            INSERT INTO events (stream_id, stream_version, type, recorded_at, payload, metadata, hash)
                            VALUES ('flow-old', 1, 'T', now() \(shift), '{}', '{}', decode(repeat('00', 32), 'hex'))
                            """), logger: TestCluster.logger)
                        Issue.record("a recorded_at \(shift) was accepted")
                    } catch let error as PSQLError {
                        #expect(error.serverInfo?[.message]?.contains("is not the time of its transaction") == true)
                    }
                }
            }
        }
    }

    @Test func theGuardsHoldUnderReplicationRoleReplica() async throws {
        try await TestStore.with { test in
            try await test.store.append(to: "flow-r", expected: .noStream, events: [testEvent(1)])
            try await withConnection(test.configuration) { connection in
                // Even a superuser's session in replica mode (which skips ordinary triggers) is refused.
                try await connection.query("SET session_replication_role = replica", logger: TestCluster.logger)
                do {
                    try await connection.query("DELETE FROM events", logger: TestCluster.logger)
                    Issue.record("DELETE in replica mode was accepted")
                } catch let error as PSQLError {
                    #expect(error.serverInfo?[.message]?.contains("append-only") == true)
                }
            }
        }
    }

    @Test func commandsThatNeedNoDDLRefuseAnOutOfDateSchemaWithAClearMessage() async throws {
        let cluster = try await TestCluster.shared()
        let name = "stale_\(UUID().uuidString.prefix(8).lowercased())"
        try await cluster.createDatabaseIfMissing(name, logger: TestCluster.logger)
        try await Database(configuration: cluster.configuration(database: name)).withClient(logger: TestCluster.logger) { client in
            await #expect(throws: SchemaNotCurrent.self) { try await Migrator(client: client, logger: TestCluster.logger).requireCurrent() }
            do {
                try await Migrator(client: client, logger: TestCluster.logger).requireCurrent()
            } catch let error as SchemaNotCurrent {
                #expect(error.description.contains("run `vellum migrate`"))
            }
            try await Migrator(client: client, logger: TestCluster.logger).migrate()
            try await Migrator(client: client, logger: TestCluster.logger).requireCurrent()
        }
    }
}
