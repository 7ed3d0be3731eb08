import Foundation
import PostgresNIO
import Testing
@testable import VellumStore
import VellumTestSupport

@Suite("The embedded PostgreSQL cluster")
struct EmbeddedPostgresTests {
    /// Two users of one data directory (flock locks are per open file, so two leases in one process
    /// behave like two processes): the cluster stops only when the last one releases it.
    @Test func sharedClusterStopsWithItsLastUser() async throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "vellum-embedded-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cluster = EmbeddedPostgres(dataDirectory: directory, ephemeral: true)
        let first = try await cluster.start(logger: TestCluster.logger)
        let second = try await cluster.start(logger: TestCluster.logger)
        #expect(FileManager.default.fileExists(atPath: cluster.socketPath))

        let answer = try await Database(configuration: cluster.configuration()).withClient(logger: TestCluster.logger) { client in
            try await client.query("SELECT 41 + 1").decode(Int.self).reduce(0, +)
        }
        #expect(answer == 42)

        #expect(try await first.release() == false)
        #expect(FileManager.default.fileExists(atPath: cluster.socketPath))
        #expect(try await second.release() == true)
        #expect(!FileManager.default.fileExists(atPath: cluster.socketPath))
    }

    @Test func sharedBuffersAreAQuarterOfTheMemoryWithinBounds() {
        let gib: UInt64 = 1 << 30
        #expect(EmbeddedPostgres.sharedBuffersMiB(physicalMemory: 24 * gib) == 6_144)
        #expect(EmbeddedPostgres.sharedBuffersMiB(physicalMemory: gib / 2) == 256)
        #expect(EmbeddedPostgres.sharedBuffersMiB(physicalMemory: 256 * gib) == 8_192)
    }

    @Test func aLongDataDirectoryIsRefusedWithAClearMessage() async throws {
        let long = "/tmp/" + String(repeating: "d", count: 120)
        let cluster = EmbeddedPostgres(dataDirectory: long, ephemeral: true)
        await #expect(throws: EmbeddedPostgresError.self) { try await cluster.start(logger: TestCluster.logger) }
    }
}
