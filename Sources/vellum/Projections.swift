import ArgumentParser
import VellumServer
import Foundation
import VellumCore
import VellumStore

/// `vellum projections rebuild [--verify]`.
struct Projections: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Rebuild or verify the projections from the log.", subcommands: [Rebuild.self])

    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute every projection from the log and swap it in; with --verify, compare and report instead.",
            discussion: "A swap makes appends wait until it is done; --verify changes nothing and blocks nothing.")

        @OptionGroup var database: DatabaseOptions

        @Flag(help: "Compare the rebuilt projections with the live ones and report every difference; change nothing.")
        var verify = false

        @Option(name: .customLong("prune-after"), help: "Rows dead longer than this many seconds may already be pruned (env VELLUM_PRUNE_AFTER, default 86400).")
        var pruneAfter: Int64?

        func run() async throws {
            let logger = Environment.logger()
            let pruneAfter = try pruneAfter ?? Environment.seconds(Setting.pruneAfter.variable, allowZero: true) ?? ServerConfiguration().pruneAfter
            let cutoff = Timestamp(Date()).adding(seconds: -pruneAfter)
            let swap = !verify
            let start = ContinuousClock.now
            let report = try await Database.using(database.location, logger: logger) { opened in
                try await opened.withClient(logger: logger) { client in
                    try await Migrator(client: client, logger: logger).requireCurrent()
                    let shown = TerminalProgress(swap ? "rebuild" : "verify", total: try await TerminalProgress.eventTotal(client: client, logger: logger))
                    defer { shown.finish() }
                    return try await ProjectionRebuilder(client: client, logger: logger).rebuild(swap: swap, pruneCutoff: cutoff) { progress in
                        shown.update(Int64(progress.events))
                    }
                }
            }
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print("\(verify ? "replayed" : "rebuilt from"): \(report.events) events in \(String(format: "%.2f", seconds)) s (\(String(format: "%.0f", Double(report.events) / max(seconds, 0.001))) events/s)")
            for table in report.tables {
                let status = table.matches ? "same" : "DIFFERENT: \(table.missingLive) row(s) only rebuilt, \(table.extraLive) only live"
                print("\(table.table.padding(toLength: 20, withPad: " ", startingAt: 0)) \(String(table.rows).padding(toLength: 9, withPad: " ", startingAt: 0)) \(status)")
                for example in table.examples { print("    \(example)") }
            }
            if verify {
                print(report.matches ? "result:  the projections match the log" : "result:  the projections differ from the log")
                if !report.matches { throw ExitCode(1) }
            } else {
                print("result:  projections rebuilt and swapped in")
            }
        }
    }
}
