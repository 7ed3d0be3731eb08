import ArgumentParser
import VellumCore

/// Benchmarks that print numbers (DESIGN.md §1): run them in release mode.
@main
struct VellumBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vellum-bench",
        abstract: "Vellum benchmarks. Build with -c release before quoting figures.",
        version: VellumVersion.current,
        subcommands: [AppendBenchmark.self, FlowsBenchmark.self, AuditBenchmark.self, HTTPBenchmark.self]
    )
}
