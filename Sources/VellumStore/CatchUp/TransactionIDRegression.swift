public import Logging
public import PostgresNIO

/// Detects what a dump and restore (or a logical migration) into another cluster does to the
/// gap-safe order: the restored events keep their old transaction ids, new ones get the new
/// cluster's, which may be lower, so they sort behind the sealer's cursor and are never read.
/// Found: unsealed events past the cursor's position whose transaction id is below the cursor's.
/// docs/auditing.md gives the procedure to continue (advance the cluster's transaction ids).
public enum TransactionIDRegression {
    /// The first position of an event stranded behind the sealer's cursor, if any.
    public static func firstStranded(client: PostgresClient, logger: Logger) async throws -> Int64? {
        let rows = try await client.query("""
            SELECT min(e.position) FROM events e, projection_checkpoints c
            WHERE c.name = 'sealer' AND e.position > c.position AND e.tx_id < c.tx_id
              AND NOT EXISTS (SELECT 1 FROM seals s WHERE s.position = e.position)
            """, logger: logger)
        for try await position in rows.decode(Int64?.self) { return position }
        return nil
    }
}
