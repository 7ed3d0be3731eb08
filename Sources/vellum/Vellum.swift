import ArgumentParser
import VellumCore

/// The operator's command line (DESIGN.md §7).
@main
struct Vellum: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vellum",
        abstract: "Vellum: an event-sourced OAuth 2.0 authorization server on PostgreSQL.",
        version: VellumVersion.current,
        subcommands: [Serve.self, Migrate.self, Clients.self, Users.self, Consents.self, Keys.self, AuditKeys.self, SealerCommand.self,
                      Projections.self]
    )
}
