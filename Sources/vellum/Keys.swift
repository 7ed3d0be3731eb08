import ArgumentParser
import Foundation
import VellumCore
import VellumServer
import VellumStore

/// `vellum keys rotate`: publishes a new signing key; the servers activate it after the delay and
/// retire the old key once every token it signed has expired.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage signing keys.", subcommands: [Rotate.self])

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Publish a new signing key, active after a delay.")

        @OptionGroup var database: DatabaseOptions

        @Option(name: .customLong("activate-in"),
                help: "Seconds until the new key signs tokens (env VELLUM_KEY_ACTIVATION_DELAY, default 3600).")
        var activateIn: Int64?

        func run() async throws {
            let logger = Environment.logger()
            let delay = try activateIn ?? Environment.seconds(Setting.keyActivationDelay.variable, allowZero: true) ?? ServerConfiguration().keyActivationDelay
            guard delay >= 0 else { throw ValidationError("--activate-in must not be negative") }
            let masterKey = try MasterKey.load(
                environment: ProcessInfo.processInfo.environment, dataDirectory: database.dataDirectoryPath, logger: logger)
            let metadata = EventMetadata(instance: Environment.instance, actor: .operator(Environment.operatorName))
            let kid = try await Database.using(database.location, logger: logger) { opened in
                try await opened.withStore(logger: logger) { store in
                    try await Administration.rotateSigningKey(activationDelay: delay, store: store, masterKey: masterKey, metadata: metadata)
                }
            }
            print("published signing key \(kid); it signs tokens from \(delay) s from now")
        }
    }
}
