import ArgumentParser
import Foundation
import VellumCore
import VellumServer
import VellumStore

/// `vellum audit-key init`: the audit key as a file outside the database, and its fingerprint to pin.
struct AuditKeys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit-key", abstract: "Manage the audit key that signs checkpoints.",
                                                    subcommands: [Initialize.self])

    struct Initialize: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Create an audit key in a file (and its public half in FILE.pub), publish the public half in the log, print its fingerprint.")

        @OptionGroup var database: DatabaseOptions

        @Option(name: .customLong("key-file"), help: "Where to write the private key (mode 0600); never overwritten.")
        var keyFile: String

        func run() async throws {
            let key: AuditKeyFile
            do { key = try AuditKeyFile.create(at: keyFile) } catch let error as AuditKeyFileError { throw ValidationError(error.description) }
            try await database.withOperatorStore { store, metadata in
                try await store.publishAuditKey(key.created, metadata: metadata)
            }
            print("audit key:   \(key.keyID)")
            print("fingerprint: \(key.fingerprint)")
            print("private key: \(keyFile) (give it only to the sealer: VELLUM_AUDIT_KEY_FILE or vellum sealer --audit-key-file)")
            print("public key:  \(keyFile).pub (give it, or the fingerprint, to auditors: vellum-audit verify --audit-key)")
        }
    }
}

/// `vellum sealer`: seals and signs checkpoints with a key file, apart from the serving instances.
struct SealerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sealer",
        abstract: "Seal the log and sign checkpoints with an audit key file, on a host apart from the database (serve with VELLUM_SEALER=off).")

    @OptionGroup var database: DatabaseOptions

    @Option(name: .customLong("audit-key-file"), help: "The audit key file (env VELLUM_AUDIT_KEY_FILE), made by `vellum audit-key init`.")
    var auditKeyFile: String?

    @Option(name: .customLong("seal-interval"), help: "Seconds between rounds (env VELLUM_SEAL_INTERVAL, default 1).")
    var sealInterval: Int64?

    @Option(name: .customLong("checkpoint-file"), help: "Also append every committed checkpoint to this file (env VELLUM_CHECKPOINT_FILE).")
    var checkpointFile: String?

    func run() async throws {
        let logger = Environment.logger(label: "vellum-sealer")
        guard let keyFile = auditKeyFile ?? Environment.value("VELLUM_AUDIT_KEY_FILE") else {
            throw ValidationError("pass --audit-key-file (or VELLUM_AUDIT_KEY_FILE): the sealer signs with a key from a file")
        }
        let interval = try sealInterval ?? Environment.seconds(Setting.sealInterval.variable) ?? ServerConfiguration().sealInterval
        guard interval > 0 else { throw ValidationError("--seal-interval must be positive") }
        let checkpoints = checkpointFile ?? Environment.value("VELLUM_CHECKPOINT_FILE")
        // SIGINT and SIGTERM shut down gracefully (ServiceLifecycle), releasing the cluster last.
        ClusterExit.callerHandlesSignals()
        try await Database.using(database.location, logger: logger) { opened in
            try await SealerProcess.run(database: opened.configuration, keyFile: keyFile, interval: interval,
                                        checkpointFile: checkpoints, logger: logger)
        }
    }
}
