import ArgumentParser
import Foundation
import Logging
import Synchronization
import VellumServer
import VellumStore

/// The options of every command that touches the database.
struct DatabaseOptions: ParsableArguments {
    @Option(name: Setting.databaseURL.name, help: Setting.databaseURL.help)
    var databaseURL: String?

    @Option(name: Setting.dataDir.name, help: Setting.dataDir.help)
    var dataDirectory: String?

    /// The embedded cluster's directory, which also holds the generated master key.
    var dataDirectoryPath: String { dataDirectory ?? Environment.value("VELLUM_DATA_DIR") ?? ".vellum" }

    var location: DatabaseLocation {
        DatabaseLocation.resolve(url: databaseURL, dataDirectory: dataDirectory)
    }
}

/// Environment variables: every option also reads one (DESIGN.md §7).
enum Environment {
    /// The process's logger in `format` at `level` (`serve` reads both from its settings).
    static func logger(format: String?, level: String?, label: String = "vellum") throws -> Logger {
        guard let logFormat = LogFormat(rawValue: format?.lowercased() ?? "text") else {
            throw ValidationError("VELLUM_LOG_FORMAT must be text or json, not '\(format ?? "")'")
        }
        guard let logLevel = Logger.Level(rawValue: level?.lowercased() ?? "info") else {
            throw ValidationError("VELLUM_LOG_LEVEL must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), not '\(level ?? "")'")
        }
        return logger(logFormat, logLevel, label: label)
    }

    private static func logger(_ format: LogFormat, _ level: Logger.Level, label: String) -> Logger {
        if !bootstrapped.withLock({ done in defer { done = true }; return done }) { format.bootstrap() }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }

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
    /// the format (`text` or `json`, default text): both read from the environment only; a value
    /// these commands cannot read leaves the default.
    static func logger(label: String = "vellum") -> Logger {
        logger(value("VELLUM_LOG_FORMAT").flatMap { LogFormat(rawValue: $0.lowercased()) } ?? .text,
               value("VELLUM_LOG_LEVEL").flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info, label: label)
    }

    /// swift-log takes one bootstrap per process: the first logger made decides the format.
    private static let bootstrapped = Mutex(false)
}
