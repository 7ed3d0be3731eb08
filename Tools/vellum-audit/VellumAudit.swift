import ArgumentParser
import VellumCore

/// The auditor's command line (DESIGN.md §7). Read-only: it needs SELECT on the log and nothing
/// more (the `vellum_auditor` role).
@main
struct VellumAudit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vellum-audit",
        abstract: "Replay flows, verify and export Vellum's event log. Read-only.",
        version: VellumVersion.current,
        subcommands: [Replay.self, Verify.self, Export.self]
    )
}
