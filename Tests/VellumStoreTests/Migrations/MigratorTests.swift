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
