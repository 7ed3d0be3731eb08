import ArgumentParser
import Foundation
import VellumCore
import VellumStore

/// `vellum-audit verify [--checkpoints FILE]`: recomputes every stream chain, the seal chain and
/// every checkpoint; exits 0 when everything holds, otherwise names the first bad position and
/// the kind of fault and exits 1.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Prove the log complete and unaltered.")

    @OptionGroup var options: AuditOptions

    @Option(help: "A file of checkpoints shipped off the database (VELLUM_CHECKPOINT_FILE); each must match.")
    var checkpoints: String?

    @Option(name: .customLong("unsealed-grace"), help: "Seconds an event may stay unsealed before it is a fault (default 60).")
    var unsealedGrace: Int64 = 60

    func run() async throws {
        let shipped = try checkpoints.map(Self.readCheckpoints) ?? []
        let cutoff = Timestamp(Date()).adding(seconds: -unsealedGrace)
        let start = ContinuousClock.now
        let report = try await options.withClient { handle in
            try await LogVerifier(client: handle.client, logger: handle.logger).verify(
                unsealedBefore: cutoff, shippedCheckpoints: shipped, progress: printError)
        }
        let (streams, seals) = (report.streams, report.seals)
        let seconds = Double((ContinuousClock.now - start).components.attoseconds) / 1e18 + Double((ContinuousClock.now - start).components.seconds)
        let faults = report.faults
        print("events:      \(streams.events) in \(streams.streams) streams")
        print("seals:       \(seals.seals), checkpoints: \(seals.checkpoints) (\(shipped.count) shipped), unsealed: \(seals.unsealed)")
        print("time:        \(String(format: "%.2f", seconds)) s (\(String(format: "%.0f", Double(streams.events) / max(seconds, 0.001))) events/s)")
        guard let first = faults.first else {
            print("result:      valid")
            return
        }
        print("result:      FAILED")
        print("first fault: \(first)")
        for fault in faults.dropFirst().prefix(20) { print("also:        \(fault)") }
        throw ExitCode(1)
    }

    static func readCheckpoints(_ path: String) throws -> [Checkpoint] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("cannot read the checkpoint file \(path)")
        }
        return try text.split(separator: "\n").enumerated().map { index, line in
            guard let checkpoint = Checkpoint(jsonLine: String(line)) else {
                throw ValidationError("\(path):\(index + 1) is not a checkpoint line")
            }
            return checkpoint
        }
    }
}
