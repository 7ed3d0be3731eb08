import ArgumentParser
import Foundation
import Logging
import VellumStore

/// The auditor's command line (DESIGN.md §7). Read-only: it needs SELECT on the log and nothing more.
@main
struct VellumAudit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vellum-audit",
        abstract: "Verify and replay Vellum's event log.",
        subcommands: [Verify.self]
    )
}

/// `vellum-audit verify`: recomputes every stream's hash chain; exits non-zero naming the first
/// position that does not verify.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Verify every stream's hash chain.")

    @Option(name: .customLong("database-url"), help: "PostgreSQL URL (env VELLUM_DATABASE_URL).")
    var databaseURL: String?

    @Option(name: .customLong("data-dir"), help: "Embedded cluster directory (env VELLUM_DATA_DIR, default .vellum).")
    var dataDirectory: String?

    func run() async throws {
        let logger = { var logger = Logger(label: "vellum-audit"); logger.logLevel = .warning; return logger }()
        let location = DatabaseLocation.resolve(url: databaseURL, dataDirectory: dataDirectory, defaultDataDirectory: ".vellum")
        let start = ContinuousClock.now
        let report = try await Database.using(location, logger: logger) { database in
            try await database.withClient(logger: logger) { client in
                try await ChainVerifier(client: client, logger: logger).verify()
            }
        }
        let elapsed = ContinuousClock.now - start
        print("verified \(report.events) events in \(report.streams) streams in \(elapsed)")
        guard let fault = report.firstFault else {
            print("chain: valid")
            return
        }
        print("chain: broken: \(fault)")
        for other in report.faults.dropFirst() { print("  also: \(other)") }
        throw ExitCode(1)
    }
}
