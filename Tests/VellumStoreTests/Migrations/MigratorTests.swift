import Foundation
import PostgresNIO
import Testing
@testable import VellumStore
import VellumMigrations
import VellumTestSupport

@Suite("Migrations")
struct MigratorTests {
    @Test func concurrentMigrationsApplyEachVersionOnce() async throws {
        let cluster = try await TestCluster.shared()
        let name = "migrate_\(UUID().uuidString.prefix(8).lowercased())"
        try await cluster.createDatabaseIfMissing(name, logger: TestCluster.logger)
        let database = Database(configuration: cluster.configuration(database: name))
        let applied = try await database.withClient(logger: TestCluster.logger) { client in
            try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<4 {
                    group.addTask { try await Migrator(client: client, logger: TestCluster.logger).migrate() }
                }
                return try await group.reduce(into: [[Int]]()) { $0.append($1) }
            }
        }
        let all = EmbeddedMigrations.all.map(\.version)
        #expect(applied.filter { !$0.isEmpty } == [all])
        #expect(applied.filter(\.isEmpty).count == 3)
        let again = try await database.withClient(logger: TestCluster.logger) { client in
            try await Migrator(client: client, logger: TestCluster.logger).migrate()
        }
        #expect(again.isEmpty)
    }

    /// Version 6 takes the bcrypt hashes out of the `users` projection (where version 1 events put
    /// them) into the guarded `user_credentials`, as credential `v1-<user_id>`, and login reads
    /// them from there; the log itself is not rewritten.
    @Test func passwordHashesMoveToTheCredentialsTable() async throws {
        let cluster = try await TestCluster.shared()
        let name = "credentials_\(UUID().uuidString.prefix(8).lowercased())"
        try await cluster.createDatabaseIfMissing(name, logger: TestCluster.logger)
        let database = Database(configuration: cluster.configuration(database: name))
        try await database.withClient(logger: TestCluster.logger) { client in
            let before = EmbeddedMigrations.all.filter { $0.version < 6 }
            try await Migrator(client: client, logger: TestCluster.logger, migrations: before).migrate()
            try await client.query("""
                INSERT INTO users (user_id, username, password_hash, created_at) VALUES ('u-1', 'alice', '$2b$12$legacyhashvalue', now())
                """, logger: TestCluster.logger)
            #expect(try await Migrator(client: client, logger: TestCluster.logger).migrate() == EmbeddedMigrations.all.map(\.version).filter { $0 >= 6 })

            let user = try await ProjectionQueries(client: client, logger: TestCluster.logger).user(named: "alice")
            #expect(user?.passwordHash == "$2b$12$legacyhashvalue")
            var columns: [String] = []
            for try await column in try await client.query(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'users'", logger: TestCluster.logger
            ).decode(String.self) { columns.append(column) }
            #expect(!columns.contains("password_hash") && columns.contains("credential_id"))
            for try await credential in try await client.query(
                "SELECT credential_id FROM user_credentials", logger: TestCluster.logger
            ).decode(String.self) { #expect(credential == "v1-u-1") }
        }
    }

    @Test func everyMigrationFileIsEmbedded() throws {
        let directory = URL(filePath: #filePath).deletingLastPathComponent()
            .appending(path: "../../../Migrations/SQL").standardizedFileURL
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files == EmbeddedMigrations.all.map(\.name))
        for migration in EmbeddedMigrations.all {
            let onDisk = try String(contentsOf: directory.appending(path: migration.name), encoding: .utf8)
            #expect(onDisk == migration.sql)
            #expect(migration.name.hasPrefix(String(format: "v%04d_", migration.version)))
        }
    }
}

@Suite("Splitting SQL scripts")
struct SQLScriptTests {
    @Test func splitsOnSemicolonsOutsideQuotesCommentsAndDollarBodies() {
        let script = """
            -- a comment; not a statement
            CREATE TABLE t (a text DEFAULT 'x;y');
            /* block; comment */ CREATE INDEX "odd;name" ON t (a);
            CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'no; never'; END;
            $$;
            DO $body$ BEGIN PERFORM 1; END $body$;
            -- trailing comment
            """
        let statements = SQLScript.statements(in: script)
        #expect(statements.count == 4)
        #expect(statements[0].hasSuffix("CREATE TABLE t (a text DEFAULT 'x;y')"))
        #expect(statements[1] == #"/* block; comment */ CREATE INDEX "odd;name" ON t (a)"#)
        #expect(statements[2].hasPrefix("CREATE FUNCTION f()") && statements[2].hasSuffix("END;\n$$"))
        #expect(statements[3] == "DO $body$ BEGIN PERFORM 1; END $body$")
    }

    @Test func positionalParametersAreNotDollarQuotes() {
        #expect(SQLScript.statements(in: "SELECT $1; SELECT 2") == ["SELECT $1", "SELECT 2"])
    }

    @Test func theEventStoreMigrationSplitsIntoItsStatements() {
        let statements = SQLScript.statements(in: EmbeddedMigrations.all[0].sql)
        #expect(statements.count == 7)
        #expect(statements.allSatisfy { !$0.isEmpty })
    }
}
