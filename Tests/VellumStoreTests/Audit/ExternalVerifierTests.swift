import Foundation
import Testing
import VellumCore
import VellumStore
import VellumTestSupport

/// The standalone Python verifier (Tools/verify_log.py) reads an export and must reach the same
/// verdict as `LogVerifier` on the same log.
@Suite("The standalone Python verifier agrees")
struct ExternalVerifierTests {
    private static let script = URL(filePath: #filePath).deletingLastPathComponent()
        .appending(path: "../../../Tools/verify_log.py").standardizedFileURL.path

    private func export(_ log: SealedLog) async throws -> String {
        var lines: [String] = []
        try await LogExporter(client: log.test.client, logger: TestCluster.logger).export(since: nil, until: nil) { lines.append($0) }
        let path = FileManager.default.temporaryDirectory.appending(path: "vellum-export-\(UUID().uuidString).jsonl").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func python(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(filePath: "/usr/bin/env")
        process.arguments = ["python3", Self.script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func bothFindAnUntouchedLogValid() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            #expect(try await log.verify().isValid)
            let path = try await export(log)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let result = try python([path])
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("valid"))
        }
    }

    @Test func bothNameTheSameAlteredPosition() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            let target = log.events["flow-b"]![1]
            try await log.tamper(#"UPDATE events SET payload = '{"n": 7}' WHERE position = \#(target.position)"#)
            let fault = try #require(try await log.verify().faults.first)
            #expect(fault.kind == .altered && fault.position == target.position)
            let path = try await export(log)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let result = try python([path])
            #expect(result.status == 1)
            #expect(result.output.contains("first fault: altered at position \(target.position)"), "\(result.output)")
        }
    }

    @Test func bothNameTheSameMissingPosition() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            let stream = log.events["flow-a"]!
            try await log.tamper("DELETE FROM events WHERE position = \(stream[1].position)")
            #expect(try await log.verify().faults.contains { $0.kind == .missing })
            let path = try await export(log)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let result = try python([path])
            #expect(result.status == 1)
            // The export no longer holds the deleted event: both name the first event after the gap
            // in its stream, or the seal gap, at or after the deleted position.
            #expect(result.output.contains("first fault: missing"), "\(result.output)")
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
            let checkpointPath = FileManager.default.temporaryDirectory.appending(path: "vellum-cp-\(UUID().uuidString).jsonl").path
            try (checkpoints.joined(separator: "\n") + "\n").write(toFile: checkpointPath, atomically: true, encoding: .utf8)
            let path = try await export(log)
            defer {
                try? FileManager.default.removeItem(atPath: path)
                try? FileManager.default.removeItem(atPath: checkpointPath)
            }
            let good = try python([path, "--checkpoints", checkpointPath])
            #expect(good.status == 0, "\(good.output)")
            let forged = checkpoints.map { $0.replacingOccurrences(of: #""seal_seq":4,"chain_hash":""#, with: #""seal_seq":4,"chain_hash":"00"#) }
            try (forged.joined(separator: "\n") + "\n").write(toFile: checkpointPath, atomically: true, encoding: .utf8)
            let bad = try python([path, "--checkpoints", checkpointPath])
            #expect(bad.status == 1, "\(bad.output)")
        }
    }
}
