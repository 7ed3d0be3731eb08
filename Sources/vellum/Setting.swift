import ArgumentParser
import Configuration
import Foundation
import Synchronization

/// One setting, named once: `code_ttl` is the option `--code-ttl`, the variable `VELLUM_CODE_TTL`
/// and the key `code_ttl` of a `--config` file. Its default is shown from where it is defined
/// (``ServerConfiguration``'s initial values, mostly), never written out a second time.
struct Setting: Sendable {
    let key: String
    let summary: String
    let defaultValue: String?
    var isSecret = false

    var option: String { key.replacingOccurrences(of: "_", with: "-") }
    var name: NameSpecification { .customLong(option) }
    var variable: String { "VELLUM_" + key.uppercased() }
    var help: ArgumentHelp {
        ArgumentHelp("\(summary) (env \(variable)\(defaultValue.map { ", default \($0)" } ?? "")).")
    }
}

/// Where settings come from, first found wins: the command line, the environment (`VELLUM_…`),
/// then the `--config` file (JSON, keys as in ``Setting/key``). Secrets (`database_url`,
/// `master_key`) are marked so that swift-configuration's access reports redact them.
struct Settings {
    let reader: ConfigReader
    private let failures: FailedReads

    /// Reads the command line's values (`given`), the environment and `file` if any.
    static func load(given: [(Setting, ConfigContent?)], file: String?) async throws -> Settings {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for case let (setting, content?) in given {
            values[AbsoluteConfigKey([setting.key])] = ConfigValue(content, isSecret: setting.isSecret)
        }
        var providers: [any ConfigProvider] = [
            InMemoryProvider(name: "command line", values: values),
            EnvironmentVariablesProvider(secretsSpecifier: .specific(Set(secrets.map(\.variable)))).prefixKeys(with: "vellum"),
        ]
        if let file {
            do {
                providers.append(try await FileProvider<JSONSnapshot>(
                    parsingOptions: .init(secretsSpecifier: .specific(Set(secrets.map(\.key)))), filePath: .init(file)))
            } catch {
                throw ValidationError("--config \(file): \(error)")
            }
        }
        let failures = FailedReads()
        return Settings(reader: ConfigReader(providers: providers, accessReporter: failures), failures: failures)
    }

    static let secrets = [Setting.databaseURL, Setting.masterKey]

    /// The value of `setting`, nil when it is given nowhere; a value of the wrong type fails.
    private func lookup<Value>(_ setting: Setting, _ read: (ConfigKey, Bool) -> Value?) throws -> Value? {
        let key = ConfigKey([setting.key])
        failures.forget(setting.key)
        if let value = read(key, setting.isSecret) { return value }
        if let failure = failures.failure(setting.key) {
            throw ValidationError("\(setting.variable) (--\(setting.option)): \(failure)")
        }
        return nil
    }

    func string(_ setting: Setting) throws -> String? {
        try lookup(setting) { reader.string(forKey: $0, isSecret: $1) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    func int(_ setting: Setting) throws -> Int? {
        try lookup(setting) { reader.int(forKey: $0, isSecret: $1) }
    }

    /// A whole number of seconds; zero only where `allowZero`.
    func seconds(_ setting: Setting, allowZero: Bool = false) throws -> Int64? {
        guard let value = try int(setting) else { return nil }
        guard value > 0 || (allowZero && value == 0) else {
            throw ValidationError("\(setting.variable) must be a \(allowZero ? "non-negative" : "positive") number of seconds")
        }
        return Int64(value)
    }

    /// `on`/`off` (also `true`/`false`, `1`/`0`, or a JSON boolean).
    func flag(_ setting: Setting) throws -> Bool? {
        if let value = reader.bool(forKey: ConfigKey([setting.key])) { return value }
        guard let text = try string(setting)?.lowercased() else { return nil }
        switch text {
        case "on", "true", "1": return true
        case "off", "false", "0": return false
        default: throw ValidationError("\(setting.variable) must be on or off, not '\(text)'")
        }
    }
}


/// The reads that found a value they could not convert (swift-configuration's optional reads
/// answer nil for those as for a missing value, and tell only the access reporter).
private final class FailedReads: AccessReporter {
    private let failures = Mutex<[String: String]>([:])

    func report(_ event: AccessEvent) {
        // A provider whose value does not convert is skipped for the next one: its failure is in
        // its own result.
        let failure: (any Error)? = switch event.result {
        case .failure(let error): error
        case .success: event.conversionError ?? event.providerResults.lazy.compactMap { result -> (any Error)? in
            if case .failure(let error) = result.result { return error }
            return nil
        }.first
        }
        guard let failure else { return }
        failures.withLock { $0[event.metadata.key.components.joined(separator: ".")] = "\(failure)" }
    }

    func forget(_ key: String) { _ = failures.withLock { $0.removeValue(forKey: key) } }
    func failure(_ key: String) -> String? { failures.withLock { $0[key] } }
}
