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
            let rows = try await connection.query("""
                SELECT min(e.position) FROM events e
                WHERE e.position > \(cursor.position) AND e.tx_id < \(cursor.transactionID)::xid8
                  AND NOT EXISTS (SELECT 1 FROM seals s WHERE s.position = e.position)
                """, logger: logger)
            for try await position in rows.decode(Int64?.self) { return position }
            return nil
        }
    }
}
