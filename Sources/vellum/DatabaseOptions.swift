import ArgumentParser
import Foundation
import Logging
import VellumStore

/// The options of every command that touches the database.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"),
            help: "PostgreSQL URL (env VELLUM_DATABASE_URL). Without one, the embedded cluster in --data-dir is used.")
    var databaseURL: String?

    @Option(name: .customLong("data-dir"), help: "Directory of the embedded PostgreSQL cluster (env VELLUM_DATA_DIR, default .vellum).")
    var dataDirectory: String?

    var location: DatabaseLocation {
        DatabaseLocation.resolve(url: databaseURL, dataDirectory: dataDirectory)
    }
}

/// Environment variables: every option also reads one (DESIGN.md §7).
enum Environment {
    static func value(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    /// The process's logger; `VELLUM_LOG_LEVEL` sets the level (default info).
    static func logger(label: String = "vellum") -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = value("VELLUM_LOG_LEVEL").flatMap(Logger.Level.init(rawValue:)) ?? .info
        return logger
    }
}
