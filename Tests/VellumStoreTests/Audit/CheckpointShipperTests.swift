import Foundation
import Testing
import VellumCore
import VellumStore
import VellumTestSupport

@Suite("Shipping checkpoints to a file")
struct CheckpointShipperTests {
    private func temporaryFile() -> String {
        FileManager.default.temporaryDirectory.appending(path: "checkpoints-\(UUID().uuidString.prefix(8)).jsonl").path
    }

    @Test func committedCheckpointsAreAppendedOnceAndATornLastLineIsRewritten() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            _ = log
            let path = temporaryFile()
            defer { try? FileManager.default.removeItem(atPath: path) }
            let shipper = CheckpointShipper(path: path, client: test.client, logger: TestCluster.logger)
            let shipped = try await shipper.ship()
            #expect(shipped >= 3)
            #expect(try await shipper.ship() == 0, "nothing twice")
            let whole = try CheckpointShipper.read(path).checkpoints
            #expect(whole.count == shipped)

            // A crash mid-write leaves half a line: readers skip it, the next round cuts it and writes it whole.
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let lines = text.split(separator: "\n")
            let torn = lines.dropLast().joined(separator: "\n") + "\n" + lines.last!.prefix(20)
            try torn.write(toFile: path, atomically: false, encoding: .utf8)
            #expect(try CheckpointShipper.read(path).checkpoints.count == shipped - 1)
            #expect(try await shipper.ship() == 1)
            #expect(try CheckpointShipper.read(path).checkpoints == whole)
            #expect(try String(contentsOfFile: path, encoding: .utf8).hasSuffix("}\n"))
        }
    }

    @Test func aLineThatIsNotACheckpointIsAnError() throws {
        let path = temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "not a checkpoint\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: CheckpointFileError.self) { try CheckpointShipper.read(path) }
    }
}
