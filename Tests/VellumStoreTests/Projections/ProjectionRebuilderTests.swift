import Foundation
import PostgresNIO
import Testing
import VellumCore
import VellumStore
import VellumTestSupport

@Suite("Rebuilding the projections")
struct ProjectionRebuilderTests {
    private func flow(_ name: String, _ test: TestStore) async throws {
        let now = Timestamp(Date())
        try await test.store.append(to: "flow-\(name)", expected: .noStream, events: [
            ProposedEvent(type: AuthorizationCodeIssued.type, payload: try EventJSON.encode(AuthorizationCodeIssued(
                codeHash: SecretHash(of: "code-\(name)"), clientID: "c", expiresAt: now.adding(seconds: 60))), metadata: "{}"),
            ProposedEvent(type: TokensIssued.type, payload: try EventJSON.encode(TokensIssued(
                accessTokenID: "jti-\(name)", accessTokenExpiresAt: now.adding(seconds: 600), clientID: "c", subject: "u",
                scope: Scope(["openid"]), grantType: "authorization_code", issuedAt: now,
                refreshToken: IssuedRefreshToken(hash: SecretHash(of: "refresh-\(name)"), expiresAt: now.adding(seconds: 3600),
                                                 familyExpiresAt: now.adding(seconds: 3600)))), metadata: "{}"),
        ])
    }

    /// Whether no session on this test's database holds a transaction id: nothing there holds back
    /// the gap-safe horizon the sealer and the index wait for. (The horizon itself is the whole
    /// cluster's, which other tests running meanwhile move too.)
    private func horizonPassesTheLog(_ test: TestStore) async throws -> Bool {
        try await test.client.query("""
            SELECT count(*) = 0 FROM pg_stat_activity
            WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()
            """).decode(Bool.self).reduce(true) { $0 && $1 }
    }

    @Test func aLongRebuildHoldsNoTransactionThatStallsTheSealer() async throws {
        try await TestStore.with { test in
            for n in 0..<10 { try await flow("before-\(n)", test) }
            // Then the first batches are full whatever other tests do meanwhile.
            try await test.waitForTheHorizonToPassTheLog()
            let rebuilder = ProjectionRebuilder(client: test.client, logger: TestCluster.logger)
            let observations = Observations<Bool>()
            let report = try await rebuilder.rebuild(swap: false, pruneCutoff: Timestamp(Date()).adding(seconds: -86400), batch: 4) { progress in
                // Between two batches: the log grows, and the horizon passes what was just written.
                // (When other tests hold the cluster's horizon back, the batches stop early and the
                // rest is the final step's, one transaction by design: it sees only what came before it.
                // The first four batches, of the events below the horizon before the run, always run.)
                guard !progress.isFinalStep, progress.events < 20 else { return }
                let read = progress.events
                do {
                    try await flow("during-\(read)", test)
                    await observations.record(try await horizonPassesTheLog(test))
                } catch {
                    Issue.record("appending during the rebuild failed: \(String(reflecting: error))")
                    await observations.record(false)
                }
            }
            let seen = await observations.values
            #expect(seen.count >= 1)
            #expect(seen.allSatisfy { $0 }, "a rebuild batch left a transaction open: \(seen)")
            #expect(report.events == 20 + 2 * seen.count, "the events appended meanwhile are replayed too")
            #expect(report.matches, "\(report.tables.filter { !$0.matches })")
            #expect(report.tables.first { $0.table == "access_tokens" }?.rows == 10 + seen.count)
            // Nothing of the rebuild is left in the pooled session.
            let temporary = try await test.client.query("SELECT count(*)::int8 FROM pg_class WHERE relpersistence = 't'")
                .decode(Int64.self).reduce(0, +)
            #expect(temporary == 0)
        }
    }

    /// A read that finds nothing below the horizon is no batch: it reports no progress (a second
    /// report of the same count made the test above append the same flow twice, once in a full run).
    @Test func aHorizonHeldBackMidwayEndsTheBatchesWithoutAnEmptyOne() async throws {
        try await TestStore.with { test in
            for n in 0..<2 { try await flow("before-\(n)", test) }
            try await test.waitForTheHorizonToPassTheLog()
            let report = try await withConnection(test.configuration) { blocker in
                try await blocker.query("BEGIN", logger: TestCluster.logger)
                try await blocker.query("SELECT pg_current_xact_id()", logger: TestCluster.logger)
                for n in 2..<10 { try await flow("before-\(n)", test) }
                let observations = Observations<Int>()
                let rebuilder = ProjectionRebuilder(client: test.client, logger: TestCluster.logger)
                let report = try await rebuilder.rebuild(swap: false, pruneCutoff: Timestamp(Date()).adding(seconds: -86400), batch: 4) { progress in
                    if !progress.isFinalStep { await observations.record(progress.events) }
                }
                try await blocker.query("ROLLBACK", logger: TestCluster.logger)
                let batches = await observations.values
                #expect(batches == [4], "one batch below the held horizon, then the final step: \(batches)")
                return report
            }
            #expect(report.events == 20)
            #expect(report.matches, "\(report.tables.filter { !$0.matches })")
        }
    }

    @Test func aSwapMidwayThroughAGrowingLogReplacesTheRowsWithTheLogs() async throws {
        try await TestStore.with { test in
            for n in 0..<6 { try await flow("\(n)", test) }
            try await test.client.query("DELETE FROM access_tokens WHERE jti = 'jti-3'")
            let rebuilder = ProjectionRebuilder(client: test.client, logger: TestCluster.logger)
            let cutoff = Timestamp(Date()).adding(seconds: -86400)
            #expect(try await !rebuilder.rebuild(swap: false, pruneCutoff: cutoff).matches)
            let swapped = try await rebuilder.rebuild(swap: true, pruneCutoff: cutoff, batch: 4) { progress in
                if progress.events == 4 && !progress.isFinalStep { try? await flow("during", test) }
            }
            #expect(swapped.events == 14 || swapped.events == 12, "the log, and the flow appended meanwhile when the batches saw it")
            #expect(try await rebuilder.rebuild(swap: false, pruneCutoff: cutoff).matches, "the swap repaired the projection")
        }
    }
}

private actor Observations<Value: Sendable> {
    var values: [Value] = []
    func record(_ value: Value) { values.append(value) }
}
