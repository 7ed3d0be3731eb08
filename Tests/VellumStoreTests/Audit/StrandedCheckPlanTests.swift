import Foundation
import PostgresNIO
import Testing
@testable import VellumStore
import VellumTestSupport

/// The stranded-event check runs every sealing round. As a `NOT EXISTS` its plan followed the
/// planner's estimates, and on tables never analyzed (a fresh or just restored database, where the
/// check matters most) it hashed or merged all of `seals`: ~100 ms a round on 400,000 events.
@Suite("The stranded-event check reads the tail, not the log")
struct StrandedCheckPlanTests {
    @Test func eachEventOfTheTailHasItsSealLookedUpByKey() async throws {
        try await TestStore.with { test in
            _ = try await SealedLog.make(test)
            let plan = try await withConnection(test.configuration) { connection in
                // A never-analyzed table is planned from its size on disk: make it look like a log.
                try await TestCluster.disableGuards(on: connection)
                try await connection.query("""
                    INSERT INTO seals (seal_seq, position, chain_hash, stream_id, stream_version)
                    SELECT 1000 + n, 1000000 + n, decode(repeat('00', 32), 'hex'), 'flow-filler', n FROM generate_series(1, 20000) n
                    """, logger: TestCluster.logger)
                let query = TransactionIDRegression.strandedQuery(after: 1, transactionID: "18446744073709551615")
                let rows = try await connection.query(PostgresQuery(unsafeSQL: "EXPLAIN (FORMAT JSON) " + query.sql, binds: query.binds),
                                                      logger: TestCluster.logger)
                return try await rows.decode(String.self).reduce("") { $0 + $1 }
            }
            let readsOfSeals = Self.nodes(in: try JSONSerialization.jsonObject(with: Data(plan.utf8)))
                .filter { $0["Relation Name"] as? String == "seals" }
            #expect(!readsOfSeals.isEmpty, "\(plan)")
            for read in readsOfSeals {
                #expect(read["Parent Relationship"] as? String == "SubPlan", "seals read as \(read["Node Type"] ?? "?"): \(plan)")
                #expect((read["Node Type"] as? String)?.hasPrefix("Index") == true, "seals read as \(read["Node Type"] ?? "?"): \(plan)")
            }
        }
    }

    /// Every node of an `EXPLAIN (FORMAT JSON)` plan.
    private static func nodes(in json: Any) -> [[String: Any]] {
        if let array = json as? [Any] { return array.flatMap { nodes(in: $0) } }
        guard let object = json as? [String: Any] else { return [] }
        if let plan = object["Plan"] { return nodes(in: plan) }
        return [object] + (object["Plans"] as? [Any] ?? []).flatMap { nodes(in: $0) }
    }
}
