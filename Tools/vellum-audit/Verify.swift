import ArgumentParser
import Crypto
import Foundation
import PostgresNIO
import VellumCore
import VellumStore

/// `vellum-audit verify [--audit-key FILE|FINGERPRINT] [--checkpoints FILE]`: recomputes every
/// stream chain, the seal chain and every checkpoint. Exit 0: valid, proven against an anchor the
/// database's administrator cannot forge (a pinned audit key, shipped checkpoints). Exit 1: a fault,
/// named by its first position and kind. Exit 2: no fault, but no anchor either: the log agrees
/// with itself, which a superuser who rewrote it consistently could also arrange.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Prove the log complete and unaltered.")

    @OptionGroup var options: AuditOptions

    @Option(name: .customLong("audit-key"), help: ArgumentHelp(
        "The audit key to trust: its public key file (FILE.pub from `vellum audit-key init`) or its fingerprint. Repeat for several.",
        valueName: "FILE|FINGERPRINT"))
    var auditKeys: [String] = []

    @Option(help: "A file of checkpoints shipped off the database (VELLUM_CHECKPOINT_FILE); each must match.")
    var checkpoints: String?

    @Option(name: .customLong("unsealed-grace"), help: "Seconds an event may stay unsealed, or uncovered by a trusted checkpoint.")
    var unsealedGrace: Int64 = 60

    @Option(name: .customLong("checkpoint-events"), help: "The most seals the sealer lets pass between two checkpoints.")
    var checkpointEvents: Int64 = Sealer.defaultCheckpointEvents

    func run() async throws {
        let shipped: [Checkpoint]
        do { shipped = try checkpoints.map { try CheckpointShipper.read($0).checkpoints } ?? [] } catch let error as CheckpointFileError {
            throw ValidationError(error.description)
        }
        if checkpoints != nil && shipped.isEmpty { throw ValidationError("the checkpoint file holds no checkpoint") }
        let cutoff = Timestamp(Date()).adding(seconds: -unsealedGrace)
        let start = ContinuousClock.now
        let (report, pinned) = try await options.withClient { handle in
            let pinned = try await Self.resolve(auditKeys, handle: handle)
            let progress = TerminalProgress("verify", total: try await TerminalProgress.eventTotal(client: handle.client, logger: handle.logger))
            defer { progress.finish() }
            return (try await LogVerifier(client: handle.client, logger: handle.logger).verify(
                unsealedBefore: cutoff, shippedCheckpoints: shipped, pinnedKeys: pinned, maximumCheckpointSpacing: checkpointEvents,
                progress: progress.update), pinned)
        }
        let (streams, seals) = (report.streams, report.seals)
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds)
        print("events:      \(streams.events) in \(streams.streams) streams")
        print("seals:       \(seals.seals), checkpoints: \(seals.checkpoints) (\(shipped.count) shipped), unsealed: \(seals.unsealed)")
        print("time:        \(String(format: "%.2f", seconds)) s (\(String(format: "%.0f", Double(streams.events) / max(seconds, 0.001))) events/s)")
        var anchors: [String] = []
        if !pinned.isEmpty { anchors.append("pinned key \(pinned.keys.sorted().joined(separator: ", "))") }
        if !shipped.isEmpty { anchors.append("\(shipped.count) shipped checkpoints") }
        print("anchor:      \(anchors.isEmpty ? "none" : anchors.joined(separator: " and "))")
        if let first = report.faults.first {
            print("result:      FAILED")
            print("first fault: \(first)")
            for fault in report.faults.dropFirst().prefix(20) { print("also:        \(fault)") }
            throw ExitCode(1)
        }
        guard report.anchored else {
            print("result:      unanchored: the log agrees with the database's own checkpoints and keys, which its administrator")
            print("             could have rewritten too; pin the audit key (--audit-key) or give the shipped checkpoints")
            print("             (--checkpoints) to prove it complete and unaltered")
            throw ExitCode(2)
        }
        print("result:      valid (covered by trusted checkpoints through seal \(seals.coveredThrough))")
    }

    /// The pinned keys by key id: public key files, or fingerprints matched against the keys the
    /// log publishes (the fingerprint, held outside, is what makes such a key trusted).
    static func resolve(_ references: [String], handle: PostgresClientHandle) async throws -> [String: Curve25519.Signing.PublicKey] {
        var keys: [String: Curve25519.Signing.PublicKey] = [:]
        var published: [Curve25519.Signing.PublicKey]?
        for reference in references {
            if FileManager.default.fileExists(atPath: reference) {
                let key: Curve25519.Signing.PublicKey
                do { key = try AuditKeyFile.loadPublic(reference) } catch let error as AuditKeyFileError {
                    throw ValidationError(error.description)
                }
                keys[AuditKeyFile.keyID(key)] = key
                continue
            }
            let fingerprint = reference.lowercased()
            guard fingerprint.count == 64, fingerprint.allSatisfy(\.isHexDigit) else {
                throw ValidationError("--audit-key \(reference): neither a key file nor a fingerprint (64 hex digits)")
            }
            if published == nil {
                var list: [Curve25519.Signing.PublicKey] = []
                for try await payload in try await handle.client.query(
                    "SELECT payload::text FROM events WHERE stream_id = 'audit' AND type = \(AuditKeyCreated.type)", logger: handle.logger
                ).decode(String.self) {
                    let created = try EventJSON.decode(AuditKeyCreated.self, from: payload)
                    if let raw = Base64URL.decode(created.publicKey), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) {
                        list.append(key)
                    }
                }
                published = list
            }
            guard let key = published?.first(where: { AuditKeyFile.fingerprint($0) == fingerprint }) else {
                throw ValidationError("no audit key in the log has the fingerprint \(reference): the log may not be the one you expect")
            }
            keys[AuditKeyFile.keyID(key)] = key
        }
        return keys
    }
}
