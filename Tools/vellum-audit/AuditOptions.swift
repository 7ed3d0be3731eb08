import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import VellumAuditing
import VellumCore
import VellumStore

/// Where the log is: every subcommand takes these.
struct AuditOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "PostgreSQL URL (env VELLUM_DATABASE_URL); a role with SELECT suffices.")
    var databaseURL: String?

    @Option(name: .customLong("data-dir"), help: "Embedded cluster directory (env VELLUM_DATA_DIR, default .vellum).")
    var dataDirectory: String?

    var location: DatabaseLocation { DatabaseLocation.resolve(url: databaseURL, dataDirectory: dataDirectory) }

    var logger: Logger {
        var logger = Logger(label: "vellum-audit")
        logger.logLevel = .warning
        return logger
    }

    /// Runs `body` with a pool on the log.
    func withClient<Result: Sendable>(_ body: @Sendable (PostgresClientHandle) async throws -> Result) async throws -> Result {
        let logger = logger
        return try await Database.using(location, as: .auditor, logger: logger) { database in
            try await database.withClient(logger: logger) { client in
                try await Migrator(client: client, logger: logger).requireCurrent()
                return try await body(PostgresClientHandle(client: client, logger: logger))
            }
        }
    }
}

/// A running pool and the logger to use with it.
struct PostgresClientHandle: Sendable {
    let client: PostgresClient
    let logger: Logger
}

/// Parses a time option: RFC 3339 (`2026-11-21T18:00:00Z`) or a date (`2026-11-21`, midnight UTC).
func parseTime(_ text: String, option: String) throws -> Timestamp {
    if let time = AuditTime.parse(text) { return time }
    throw ValidationError("\(option) takes an RFC 3339 time such as 2026-11-21T18:00:00Z, or a date")
}

/// Writes to standard error (progress and diagnostics never mix with the output).
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
