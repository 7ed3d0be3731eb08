import ArgumentParser
import Foundation
import Logging
import VellumServer
import VellumStore

/// The options of every command that touches the database.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"),
            help: "PostgreSQL URL (env VELLUM_DATABASE_URL). Without one, the embedded cluster in --data-dir is used.")
    var databaseURL: String?

    @Option(name: .customLong("data-dir"), help: "Directory of the embedded PostgreSQL cluster (env VELLUM_DATA_DIR, default .vellum).")
    var dataDirectory: String?

    /// The embedded cluster's directory, which also holds the generated master key.
    var dataDirectoryPath: String { dataDirectory ?? Environment.value("VELLUM_DATA_DIR") ?? ".vellum" }

    var location: DatabaseLocation {
        DatabaseLocation.resolve(url: databaseURL, dataDirectory: dataDirectory)
    }
}

/// Environment variables: every option also reads one (DESIGN.md §7).
enum Environment {
    /// The log format, checked by the commands that take it.
    static func logFormat() throws -> LogFormat {
        guard let text = value("VELLUM_LOG_FORMAT") else { return .text }
        guard let format = LogFormat(rawValue: text.lowercased()) else {
            throw ValidationError("VELLUM_LOG_FORMAT must be text or json, not '\(text)'")
        }
        return format
    }

    private static let bootstrapLogging: Void = { ((try? logFormat()) ?? .text).bootstrap() }()

    static func value(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    /// This process in event metadata.
    static var instance: String { "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)" }

    /// The operator running the command, for event metadata.
    static var operatorName: String { value("USER") ?? value("LOGNAME") ?? "unknown" }

    /// A whole number of seconds from `name`, if set.
    static func seconds(_ name: String, allowZero: Bool = false) throws -> Int64? {
        guard let text = value(name) else { return nil }
        guard let seconds = Int64(text), seconds > 0 || (allowZero && seconds == 0) else {
            throw ValidationError("\(name) must be a \(allowZero ? "non-negative" : "positive") number of seconds")
        }
        return seconds
    }

    /// A positive whole number from `name`, if set.
    static func count(_ name: String) throws -> Int? {
        guard let text = value(name) else { return nil }
        guard let count = Int(text), count > 0 else { throw ValidationError("\(name) must be a positive whole number") }
        return count
    }

    /// The process's logger; `VELLUM_LOG_LEVEL` sets the level (default info), `VELLUM_LOG_FORMAT`
    /// the format (`text` or `json`, default text).
    static func logger(label: String = "vellum") -> Logger {
        _ = bootstrapLogging
        var logger = Logger(label: label)
        logger.logLevel = value("VELLUM_LOG_LEVEL").flatMap(Logger.Level.init(rawValue:)) ?? .info
        return logger
    }
}
