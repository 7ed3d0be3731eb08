import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import VellumCore
import VellumStore

/// `vellum-bench audit`: on an existing log (see `flows`), times what auditors run: verify,
/// building the audit index, replay of one flow from a raw access token, export, and projection
/// rebuild (`--verify` mode).
struct AuditBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Time verify, replay by token, export and rebuild.")

    @Option(help: "Replays to time (random access tokens).")
    var replays = 200

    @Option(help: "What to time, comma-separated: verify, index (empties the audit index and builds it again), replay, export, rebuild.")
    var steps = "verify,index,replay,export,rebuild"

    @Option(name: .customLong("database-url"), help: "PostgreSQL URL (env VELLUM_DATABASE_URL).")
    var databaseURL: String?

    @Option(name: .customLong("data-dir"), help: "Embedded cluster directory (default .vellum-bench).")
    var dataDirectory: String?

    func run() async throws {
        let logger = { var logger = Logger(label: "vellum-bench"); logger.logLevel = .warning; return logger }()
        let location = DatabaseLocation.resolve(url: databaseURL, dataDirectory: dataDirectory, defaultDataDirectory: ".vellum-bench")
        let steps = Set(steps.split(separator: ",").map(String.init))
        let replays = replays
        try await Database.using(location, logger: logger) { database in
            try await database.withClient(logger: logger) { client in
                let total = try await client.query("SELECT count(*)::int8 FROM events").decode(Int64.self).reduce(0, +)
                print("log: \(total) events")
                if steps.contains("verify") { try await Self.verify(client, logger: logger) }
                if steps.contains("index") { try await Self.index(client, logger: logger) }
                if steps.contains("replay") { try await Self.replay(client, count: replays, logger: logger) }
                if steps.contains("export") { try await Self.export(client, logger: logger) }
                if steps.contains("rebuild") { try await Self.rebuild(client, logger: logger) }
            }
        }
    }

    private static func verify(_ client: PostgresClient, logger: Logger) async throws {
        let start = ContinuousClock.now
        let report = try await LogVerifier(client: client, logger: logger).verify(unsealedBefore: Timestamp(Date()).adding(seconds: -3600))
        let elapsed = ContinuousClock.now - start
        print("verify:  \(report.streams.events) events, \(report.seals.seals) seals, \(report.seals.checkpoints) checkpoints in \(String(format: "%.2f", elapsed.seconds)) s: \(Int(Double(report.streams.events) / elapsed.seconds)) events/s, \(report.isValid ? "no fault (unanchored)" : "FAULTS: \(report.faults.prefix(3))")")
    }

    /// Empties the audit index and builds it again from the whole log.
    private static func index(_ client: PostgresClient, logger: Logger) async throws {
        try await client.query("DELETE FROM audit_tokens")
        try await client.query("DELETE FROM audit_flows")
        try await client.query("DELETE FROM projection_checkpoints WHERE name = 'audit_index'")
        let start = ContinuousClock.now
        let indexed = try await CatchUpRunner(client: client, logger: logger).catchUp(AuditIndex(), batch: 20_000)
        let elapsed = ContinuousClock.now - start
        print("index:   \(indexed) events in \(String(format: "%.2f", elapsed.seconds)) s: \(Int(Double(indexed) / elapsed.seconds)) events/s")
    }

    private static func replay(_ client: PostgresClient, count: Int, logger: Logger) async throws {
        var tokens: [String] = []
        for try await jti in try await client.query(
            "SELECT token_key FROM audit_tokens WHERE kind = 'access_token' ORDER BY random() LIMIT \(count)"
        ).decode(String.self) { tokens.append(jti) }
        let queries = AuditQueries(client: client, logger: logger)
        var latencies: [Double] = []
        for jti in tokens {
            let replayStart = ContinuousClock.now
            guard let stream = try await queries.flowStream(tokenKey: jti, kind: "access_token") else { continue }
            let steps = try FlowReplay.steps(try await queries.flowEvents(stream))
            _ = try await queries.streamFault(stream)
            precondition(steps.count == 8)
            latencies.append((ContinuousClock.now - replayStart).seconds * 1000)
        }
        latencies.sort()
        guard !latencies.isEmpty else { return }
        print("replay by token (lookup, events, replay, chain check): p50 \(String(format: "%.2f", latencies[latencies.count / 2])) ms, p99 \(String(format: "%.2f", latencies[min(latencies.count - 1, latencies.count * 99 / 100)])) ms over \(latencies.count)")
    }

    private static func export(_ client: PostgresClient, logger: Logger) async throws {
        let start = ContinuousClock.now
        var bytes = 0
        let exported = try await LogExporter(client: client, logger: logger).export(since: nil, until: nil) { bytes += $0.utf8.count + 1 }
        let elapsed = ContinuousClock.now - start
        print("export:  \(exported) events (\(bytes / 1_048_576) MiB) in \(String(format: "%.2f", elapsed.seconds)) s: \(Int(Double(exported) / elapsed.seconds)) events/s")
    }

    private static func rebuild(_ client: PostgresClient, logger: Logger) async throws {
        let start = ContinuousClock.now
        let rebuilt = try await ProjectionRebuilder(client: client, logger: logger).rebuild(swap: false, pruneCutoff: Timestamp(Date()).adding(seconds: -86400))
        let elapsed = ContinuousClock.now - start
        print("rebuild --verify: \(rebuilt.events) events in \(String(format: "%.2f", elapsed.seconds)) s: \(Int(Double(rebuilt.events) / elapsed.seconds)) events/s, \(rebuilt.matches ? "no difference" : "DIFFERENCES")")
    }
}
