import Foundation
import PostgresNIO
import Testing
import VellumCore
import VellumStore
import VellumTestSupport

@Suite("Catch-up projections that never stop the service")
struct CatchUpResilienceTests {
    @Test func aPoisonEventIsSkippedByTheIndexAndTheRestIsIndexed() async throws {
        try await TestStore.with { test in
            // A flow event whose payload this version cannot decode (the inline projections do not
            // read ConsentGranted, so it is appended), then a good flow.
            try await test.store.append(to: "flow-poison", expected: .noStream, events: [
                ProposedEvent(type: ConsentGranted.type, payload: #"{"schema_version":9,"unexpected":true}"#, metadata: "{}"),
            ])
            let request = AuthorizationRequested(clientID: "c", redirectURI: "https://app.example/cb", redirectURIIncluded: true,
                                                 scope: Scope(["openid"]), state: nil, codeChallenge: nil, codeChallengeMethod: nil, nonce: nil)
            try await test.store.append(to: "flow-good", expected: .noStream, events: [
                ProposedEvent(type: AuthorizationRequested.type, payload: try EventJSON.encode(request), metadata: "{}"),
            ])
            let runner = CatchUpRunner(client: test.client, logger: TestCluster.logger)
            for _ in 0..<200 {
                try await runner.catchUp(AuditIndex())
                let indexed = try await test.client.query("SELECT count(*)::int8 FROM audit_flows WHERE flow_id = 'good'")
                    .decode(Int64.self).reduce(0, +)
                if indexed == 1 { return }
                try await Task.sleep(for: .milliseconds(25))  // other tests' transactions hold the horizon back
            }
            Issue.record("the index stopped at the poison event")
        }
    }

    @Test func verifyTakesAHeldBackHorizonForADelayNotTampering() async throws {
        try await TestStore.with { test in
            let log = try await SealedLog.make(test)
            // A transaction elsewhere holds the horizon back; an event appended after it cannot be sealed yet.
            try await withConnection(test.configuration) { blocker in
                try await blocker.query("BEGIN", logger: TestCluster.logger)
                try await blocker.query("SELECT pg_current_xact_id()", logger: TestCluster.logger)
                try await test.store.append(to: "flow-late", expected: .noStream, events: [testEvent(1)])
                try await log.seal(expectAll: false)
                // Every event counts as old: only what the sealer could have read may be called unsealed.
                let report = try await log.verify(unsealedBefore: Timestamp(Date()).adding(seconds: 3600))
                #expect(!report.faults.contains { $0.kind == .unsealed }, "\(report.faults)")
                try await blocker.query("ROLLBACK", logger: TestCluster.logger)
            }
        }
    }

    @Test func eventsStrandedBehindTheSealersCursorAreDetected() async throws {
        try await TestStore.with { test in
            _ = try await SealedLog.make(test)
            #expect(try await TransactionIDRegression.firstStranded(client: test.client, logger: TestCluster.logger) == nil)
            // As after a restore into a cluster whose transaction ids are lower: a new event's tx_id sorts behind the cursor.
            let position = try await withConnection(test.configuration) { connection in
                try await TestCluster.disableGuards(on: connection)
                let rows = try await connection.query("""
                    INSERT INTO events (tx_id, stream_id, stream_version, type, recorded_at, payload, metadata, hash)
                    VALUES ('3'::xid8, 'flow-new', 1, 'TestEventRecorded', now(), '{}', '{}', decode(repeat('00', 32), 'hex'))
                    RETURNING position
                    """, logger: TestCluster.logger)
                return try await rows.decode(Int64.self).reduce(0) { $1 }
            }
            #expect(try await TransactionIDRegression.firstStranded(client: test.client, logger: TestCluster.logger) == position)
        }
    }
}
