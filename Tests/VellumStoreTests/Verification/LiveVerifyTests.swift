import Foundation
import PostgresNIO
import Testing
import VellumCore
import VellumStore
import VellumTestSupport

@Suite("verify on a live log")
struct LiveVerifyTests {
    /// The heads and the events are read in one snapshot: a log that grows while it is verified
    /// reads whole, with no false head mismatch or truncation.
    @Test(.timeLimit(.minutes(2)))
    func verifyReportsNoFalseFaultsWhileEventsArrive() async throws {
        try await TestStore.with { test in
            let appending = Task {
                var versions = [Int64](repeating: 0, count: 20)
                for round in 0..<400 {
                    let stream = round % 20
                    let version = versions[stream]
                    _ = try await test.store.append(to: "flow-live-\(stream)", expected: version == 0 ? .noStream : .exactly(version),
                                                    events: [testEvent(round)])
                    versions[stream] += 1
                }
            }
            var verified = 0
            while !appending.isCancelled, verified < 200 {
                let report = try await LogVerifier(client: test.client, logger: TestCluster.logger)
                    .verify(unsealedBefore: Timestamp(microsecondsSinceEpoch: 0))
                #expect(report.faults.isEmpty, "\(report.faults)")
                verified += 1
                if report.streams.events >= 400 { break }
            }
            try await appending.value
            #expect(verified > 1, "verify ran while events arrived")
        }
    }
}
