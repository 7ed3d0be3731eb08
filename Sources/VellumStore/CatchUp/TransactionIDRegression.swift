public import Logging
public import PostgresNIO

/// Detects what a dump and restore (or a logical migration) into another cluster does to the
/// gap-safe order: the restored events keep their old transaction ids, new ones get the new
/// cluster's, which may be lower, so they sort behind the sealer's cursor and are never read.
/// Found: unsealed events past the cursor's position whose transaction id is below the cursor's.
/// docs/auditing.md gives the procedure to continue (advance the cluster's transaction ids).
public enum TransactionIDRegression {
    /// The first position of an event stranded behind the sealer's cursor, if any.
    /// Runs every sealing round, so it reads only the events past the cursor's position (the
    /// primary key's tail), never the log: given the cursor as values, the planner sees how few
    /// rows lie past it; joined to the checkpoint row it walked the whole `(tx_id, position)` index
    /// (0.6 s per round on ten million events).
    public static func firstStranded(client: PostgresClient, logger: Logger) async throws -> Int64? {
        try await withConnection(of: client) { connection in
            var cursor: (position: Int64, transactionID: String)?
            for try await row in try await connection.query(
                "SELECT position, tx_id::text FROM projection_checkpoints WHERE name = 'sealer'", logger: logger
            ).decode((Int64, String).self) { cursor = row }
            guard let cursor else { return nil }
            let rows = try await connection.query(strandedQuery(after: cursor.position, transactionID: cursor.transactionID), logger: logger)
            for try await position in rows.decode(Int64.self) { return position }
            return nil
        }
    }

    /// The first event past `position` written by a transaction below `transactionID` and not
    /// sealed. Each event of the tail has its seal looked up by key (a subquery per row, which the
    /// planner cannot turn into a join): as a `NOT EXISTS` the planner chose by its estimates,
    /// and where they were missing (a table not analyzed yet, as after a restore: when this check
    /// matters most) it hashed or merged the whole `seals` table, ~100 ms every round on 400,000
    /// events for a tail of 2,000.
    static func strandedQuery(after position: Int64, transactionID: String) -> PostgresQuery {
        """
        SELECT e.position FROM events e
        WHERE e.position > \(position) AND e.tx_id < \(transactionID)::xid8
          AND (SELECT s.position FROM seals s WHERE s.position = e.position) IS NULL
        ORDER BY e.position LIMIT 1
        """
    }
}
