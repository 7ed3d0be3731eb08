import Crypto
import Foundation
import Testing
import VellumCore
import VellumStore
import VellumTestSupport

/// The standalone Python verifier (Tools/verify_log.py) reads an export and must reach the same
/// verdict as `LogVerifier` on the same log: the same first fault (kind and position), the same
/// exit codes as `vellum-audit verify` (0 valid and anchored, 1 fault, 2 unanchored), and exit 3
/// rather than an unchecked "valid" when it cannot check signatures.
@Suite("The standalone Python verifier agrees")
struct ExternalVerifierTests {
    private static let script = URL(filePath: #filePath).deletingLastPathComponent()
        .appending(path: "../../../Tools/verify_log.py").standardizedFileURL.path

    /// As `SealedLog.verify()`: events younger than an hour need neither a seal nor a checkpoint.
    private static let grace = ["--unsealed-grace", "3600"]
    private static var hourAgo: Timestamp { Timestamp(Date()).adding(seconds: -3600) }

    private static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appending(path: "vellum-\(name)-\(UUID().uuidString)").path
    }

    /// A whole export of the log, in a temporary file.
    private func export(_ log: SealedLog) async throws -> String {
        var lines: [String] = []
        try await LogExporter(client: log.test.client, logger: TestCluster.logger).export(since: nil, until: nil) { lines.append($0) }
        let path = Self.temporaryPath("export") + ".jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The public key file of the log's signer, as `vellum audit-key init` writes FILE.pub (the
    /// script reads only `public_key`, and gives the key the id Vellum would, not "test-key").
    private func publicKeyFile(_ log: SealedLog) throws -> String {
        let path = Self.temporaryPath("audit-key") + ".pub"
        let text = #"{"algorithm":"Ed25519","public_key":"\#(Base64URL.encode(log.signer.key.publicKey.rawRepresentation))"}"#
        try (text + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs `python3 arguments…` with `input` (a file) as standard input; stdout and stderr together.
    private func python3(_ arguments: [String], input: String? = nil) async throws -> (status: Int32, output: String) {
        let contents = try input.map { try String(contentsOf: URL(filePath: $0), encoding: .utf8) }
        let finished = try await runToEnd(URL(filePath: "/usr/bin/env"), ["python3"] + arguments, input: contents, mergingErrors: true)
        return (finished.status, finished.output)
    }

    /// Runs the script with `arguments`.
    private func python(_ arguments: [String], input: String? = nil) async throws -> (status: Int32, output: String) {
        try await python3([Self.script] + arguments, input: input)
    }

    /// The Swift verifier, anchored on the signer's key (as `--audit-key FILE` anchors the script).
    private func verifyPinned(_ log: SealedLog) async throws -> LogVerifier.Report {
        try await LogVerifier(client: log.test.client, logger: TestCluster.logger)
            .verify(unsealedBefore: Self.hourAgo, pinnedKeys: [log.signer.keyID: log.signer.key.publicKey])
    }

    /// "<kind> at position N" or "<kind> at no position": a fault's description without its context.
    private static func summary(_ fault: ChainFault) -> String {
        let at = fault.position.map { "position \($0)" } ?? "no position"
        return "\(fault.kind.rawValue) at \(at)"
    }

    /// The script's `first fault:` line, without its context.
    private static func firstFault(in output: String) -> String? {
        let prefix = "first fault: "
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else { return nil }
        let text = line.dropFirst(prefix.count)
        guard let context = text.range(of: " (") else { return String(text) }
        return String(text[..<context.lowerBound])
    }

    /// Both verifiers, anchored on the signer's key, on the log as it now is: the Swift verifier's
    /// first fault is of `kind`, and the script names the same kind at the same position. Returns
    /// the Swift verifier's first fault.
    @discardableResult
    private func expectSameFirstFault(_ log: SealedLog, kind: ChainFault.Kind) async throws -> ChainFault {
        let report = try await verifyPinned(log)
        let fault = try #require(report.faults.first, "the Swift verifier finds no fault")
        #expect(fault.kind == kind, "the Swift verifier: \(report.faults)")
        let path = try await export(log)
        let key = try publicKeyFile(log)
        defer {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: key)
        }
        let result = try await python([path, "--audit-key", key] + Self.grace)
        #expect(result.status == 1, "\(result.output)")
        #expect(Self.firstFault(in: result.output) == Self.summary(fault), "Swift: \(fault)\nscript:\n\(result.output)")
        return fault
    }

    // MARK: - Verdicts and exit codes

    @Test func anUntouchedLogIsValidWithAnAnchorAndUnanchoredWithout() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            let alone = try await log.verify()
            #expect(alone.isValid && !alone.anchored, "\(alone.faults)")
            let pinned = try await verifyPinned(log)
            #expect(pinned.isValid && pinned.anchored, "\(pinned.faults)")

            let path = try await export(log)
            let key = try publicKeyFile(log)
            defer {
                try? FileManager.default.removeItem(atPath: path)
                try? FileManager.default.removeItem(atPath: key)
            }
            let unanchored = try await python([path] + Self.grace)
            #expect(unanchored.status == 2, "\(unanchored.output)")
            #expect(unanchored.output.contains("result:      unanchored"), "\(unanchored.output)")
            #expect(unanchored.output.contains("anchor:      none"), "\(unanchored.output)")

            let byFile = try await python([path, "--audit-key", key] + Self.grace)
            #expect(byFile.status == 0, "\(byFile.output)")
            #expect(byFile.output.contains("result:      valid"), "\(byFile.output)")
            #expect(byFile.output.contains("anchor:      pinned key \(AuditKeyFile.keyID(log.signer.key.publicKey))"), "\(byFile.output)")

            let fingerprint = AuditKeyFile.fingerprint(log.signer.key.publicKey)
            let byFingerprint = try await python([path, "--audit-key", fingerprint] + Self.grace)
            #expect(byFingerprint.status == 0, "\(byFingerprint.output)")
            #expect(byFingerprint.output.contains("result:      valid"), "\(byFingerprint.output)")

            // A fingerprint the log's `audit` stream does not publish is refused, as by vellum-audit.
            let stranger = AuditKeyFile.fingerprint(Curve25519.Signing.PrivateKey().publicKey)
            let refused = try await python([path, "--audit-key", stranger] + Self.grace)
            #expect(refused.status == 64, "\(refused.output)")
            #expect(refused.output.contains("no audit key in the log has the fingerprint"), "\(refused.output)")
        }
    }

    @Test func theScriptReadsTheExportFromStandardInput() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            let path = try await export(log)
            let key = try publicKeyFile(log)
            defer {
                try? FileManager.default.removeItem(atPath: path)
                try? FileManager.default.removeItem(atPath: key)
            }
            let dash = try await python(["-", "--audit-key", key] + Self.grace, input: path)
            #expect(dash.status == 0, "\(dash.output)")
            #expect(dash.output.contains("events:      13 in 4 streams"), "\(dash.output)")
            #expect(dash.output.contains("result:      valid"), "\(dash.output)")
            let noPath = try await python(["--audit-key", key] + Self.grace, input: path)
            #expect(noPath.status == 0, "\(noPath.output)")

            // A tampered export read from standard input names the fault just the same.
            let target = log.events["flow-b"]![1]
            try await log.tamper(#"UPDATE events SET payload = '{"n": 7}' WHERE position = \#(target.position)"#)
            let tampered = try await export(log)
            defer { try? FileManager.default.removeItem(atPath: tampered) }
            let result = try await python(["-", "--audit-key", key] + Self.grace, input: tampered)
            #expect(result.status == 1, "\(result.output)")
            #expect(Self.firstFault(in: result.output) == "altered at position \(target.position)", "\(result.output)")
        }
    }

    @Test func withoutTheCryptographyPackageTheScriptRefusesToSayValid() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            let path = try await export(log)
            let key = try publicKeyFile(log)
            defer {
                try? FileManager.default.removeItem(atPath: path)
                try? FileManager.default.removeItem(atPath: key)
            }
            // `cryptography` made unimportable; the script runs as __main__ with its own argv.
            let code = "import sys, runpy; sys.modules['cryptography'] = None; script = sys.argv[1]; "
                + "sys.argv = sys.argv[1:]; runpy.run_path(script, run_name='__main__')"
            let result = try await python3(["-c", code, Self.script, path, "--audit-key", key] + Self.grace)
            #expect(result.status == 3, "\(result.output)")
            #expect(result.output.contains("cryptography"), "\(result.output)")
            #expect(result.output.contains("pip install cryptography"), "\(result.output)")
            #expect(!result.output.contains("valid"), "\(result.output)")
        }
    }

    @Test func theScriptChecksShippedCheckpoints() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            let checkpoints = try await test.client.query("""
                SELECT seal_seq, encode(chain_hash, 'hex'), (extract(epoch FROM signed_at) * 1000000)::int8, key_id, encode(signature, 'hex')
                FROM checkpoints ORDER BY seal_seq
                """).decode((Int64, String, Int64, String, String).self).reduce(into: [String]()) { lines, row in
                lines.append(#"{"seal_seq":\#(row.0),"chain_hash":"\#(row.1)","signed_at_us":\#(row.2),"key_id":"\#(row.3)","signature":"\#(row.4)"}"#)
            }
            let checkpointPath = Self.temporaryPath("checkpoints") + ".jsonl"
            try (checkpoints.joined(separator: "\n") + "\n").write(toFile: checkpointPath, atomically: true, encoding: .utf8)
            let path = try await export(log)
            defer {
                try? FileManager.default.removeItem(atPath: path)
                try? FileManager.default.removeItem(atPath: checkpointPath)
            }
            let good = try await python([path, "--checkpoints", checkpointPath] + Self.grace)
            #expect(good.status == 0, "\(good.output)")
            #expect(good.output.contains("anchor:      \(checkpoints.count) shipped checkpoints"), "\(good.output)")

            // A torn last line (a crash mid-write) is left out, as CheckpointShipper.read does.
            let torn = checkpoints.dropLast().joined(separator: "\n") + "\n" + checkpoints.last!.prefix(20)
            try torn.write(toFile: checkpointPath, atomically: true, encoding: .utf8)
            #expect(try CheckpointShipper.read(checkpointPath).checkpoints.count == checkpoints.count - 1)
            let tornResult = try await python([path, "--checkpoints", checkpointPath] + Self.grace)
            #expect(tornResult.status == 0, "\(tornResult.output)")
            #expect(tornResult.output.contains("anchor:      \(checkpoints.count - 1) shipped checkpoints"), "\(tornResult.output)")

            // Any other line that is not a checkpoint is an error, not a verdict.
            try ("not a checkpoint\n" + checkpoints.joined(separator: "\n") + "\n").write(toFile: checkpointPath, atomically: true, encoding: .utf8)
            let garbled = try await python([path, "--checkpoints", checkpointPath] + Self.grace)
            #expect(garbled.status == 64, "\(garbled.output)")

            let forged = checkpoints.map { $0.replacingOccurrences(of: #""seal_seq":4,"chain_hash":""#, with: #""seal_seq":4,"chain_hash":"00"#) }
            try (forged.joined(separator: "\n") + "\n").write(toFile: checkpointPath, atomically: true, encoding: .utf8)
            let bad = try await python([path, "--checkpoints", checkpointPath] + Self.grace)
            #expect(bad.status == 1, "\(bad.output)")
            #expect(Self.firstFault(in: bad.output) == "checkpoint mismatch at no position", "\(bad.output)")
        }
    }

    // MARK: - The same first fault for each tamper

    @Test func bothNameTheSameAlteredPayload() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            let target = log.events["flow-b"]![1]
            try await log.tamper(#"UPDATE events SET payload = '{"n": 7}' WHERE position = \#(target.position)"#)
            let fault = try await expectSameFirstFault(log, kind: .altered)
            #expect(fault.position == target.position)
        }
    }

    @Test func bothNameTheSameMissingEvent() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            let target = log.events["flow-a"]![1]
            try await log.tamper("DELETE FROM events WHERE position = \(target.position)")
            let fault = try await expectSameFirstFault(log, kind: .missing)
            #expect(fault.position == target.position)
        }
    }

    @Test func bothNameTheSameTruncatedStream() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            let stream = log.events["flow-a"]!
            // The tail deleted, the head left past it.
            try await log.tamper("DELETE FROM events WHERE position = \(stream[3].position)")
            let fault = try await expectSameFirstFault(log, kind: .truncated)
            #expect(fault.position == stream[2].position)
        }
    }

    @Test func bothNameTheSameDeletedStream() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            let stream = log.events["flow-c"]!
            try await log.tamper("DELETE FROM events WHERE stream_id = 'flow-c'; DELETE FROM streams WHERE stream_id = 'flow-c'")
            let fault = try await expectSameFirstFault(log, kind: .deletedStream)
            #expect(fault.position == stream[0].position)
        }
    }

    @Test func bothNameTheSameReorderedEvents() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            let stream = log.events["flow-b"]!
            try await log.tamper("""
                UPDATE events SET stream_version = 100 WHERE position = \(stream[1].position);
                UPDATE events SET stream_version = 2 WHERE position = \(stream[2].position);
                UPDATE events SET stream_version = 3 WHERE position = \(stream[1].position);
                """.replacingOccurrences(of: "\n", with: " "))
            let fault = try await expectSameFirstFault(log, kind: .reordered)
            #expect(fault.position == stream[1].position)
        }
    }

    @Test func bothNameTheSameUnsealedEvent() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            // An event inserted behind the sealer's cursor, two hours old, with its right hash (a
            // wrong one would be found `altered` first).
            let recordedAt = Timestamp(Date()).adding(seconds: -7200)
            let hash = EventHash.compute(previous: EventHash.genesis, streamID: "flow-z", version: 1, type: "TestEventRecorded",
                                         recordedAt: recordedAt, payload: "{}", metadata: "{}")
            try await log.tamper("""
                INSERT INTO events (tx_id, stream_id, stream_version, type, recorded_at, payload, metadata, hash)
                VALUES ('5'::xid8, 'flow-z', 1, 'TestEventRecorded', vellum_ts(\(recordedAt.microsecondsSinceEpoch)), '{}', '{}',
                        decode('\(hash.hexString)', 'hex'))
                """)
            try await expectSameFirstFault(log, kind: .unsealed)
            let report = try await verifyPinned(log)
            #expect(report.faults.contains { $0.kind == .uncovered }, "\(report.faults)")
        }
    }

    @Test func bothNameACheckpointRemovedFromTheMiddle() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)  // checkpoints every 4 seals
            try await log.tamper("DELETE FROM checkpoints WHERE seal_seq = 8")
            let report = try await LogVerifier(client: test.client, logger: TestCluster.logger)
                .verify(unsealedBefore: Self.hourAgo, pinnedKeys: [log.signer.keyID: log.signer.key.publicKey], maximumCheckpointSpacing: 4)
            let fault = try #require(report.faults.first)
            #expect(fault.kind == .uncovered)
            let path = try await export(log)
            let key = try publicKeyFile(log)
            defer {
                try? FileManager.default.removeItem(atPath: path)
                try? FileManager.default.removeItem(atPath: key)
            }
            let result = try await python([path, "--audit-key", key, "--checkpoint-events", "4"] + Self.grace)
            #expect(result.status == 1, "\(result.output)")
            #expect(result.output.contains("first fault: not covered by a trusted checkpoint at no position"), "\(result.output)")
        }
    }

    @Test func bothNameTheSameForgedCheckpoint() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            try await log.tamper(#"UPDATE checkpoints SET chain_hash = '\x\#(String(repeating: "ab", count: 32))' WHERE seal_seq = 8"#)
            try await expectSameFirstFault(log, kind: .checkpointMismatch)
        }
    }

    @Test func aCheckpointForgedInTheExportItselfIsNamed() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            let path = try await export(log)
            let key = try publicKeyFile(log)
            defer {
                try? FileManager.default.removeItem(atPath: path)
                try? FileManager.default.removeItem(atPath: key)
            }
            // The export's checkpoint record at seal 8 now claims another chain hash.
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let record = #"{"record":"checkpoint","seal_seq":8,"chain_hash":""#
            #expect(text.contains(record), "the export carries the checkpoint at seal 8")
            try text.replacingOccurrences(of: record, with: record + "00").write(toFile: path, atomically: true, encoding: .utf8)
            for anchor in [["--audit-key", key], []] {
                let result = try await python([path] + anchor + Self.grace)
                #expect(result.status == 1, "\(result.output)")
                #expect(Self.firstFault(in: result.output) == "checkpoint mismatch at no position", "\(result.output)")
                #expect(result.output.contains("checkpoint at seal 8"), "\(result.output)")
            }
        }
    }
}
