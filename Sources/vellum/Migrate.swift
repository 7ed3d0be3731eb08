import ArgumentParser
import VellumStore

/// `vellum migrate`: applies pending schema migrations; safe to run from several processes at once.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations.")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let logger = Environment.logger()
        let applied = try await Database.using(database.location, as: .owner, logger: logger) { opened in
            try await opened.withClient(logger: logger) { client in
                try await Migrator(client: client, logger: logger).migrate()
            }
        }
        print(applied.isEmpty ? "schema up to date" : "applied migrations \(applied.map(String.init).joined(separator: ", "))")
    }
}
