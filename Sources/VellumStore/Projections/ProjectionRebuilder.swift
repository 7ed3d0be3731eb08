public import Logging
public import PostgresNIO
public import VellumCore

/// `vellum projections rebuild` (DESIGN.md §4): recomputes every projection from the log into
/// fresh temporary tables, with the same code that writes them live, then either
/// compares them with the live tables and reports every difference, or swaps them in.
public struct ProjectionRebuilder: Sendable {
    /// One table's comparison.
    public struct TableReport: Sendable, Equatable {
        public let table: String
        public let rows: Int
        /// Rows the rebuild has and the live table lacks (or has otherwise).
        public let missingLive: Int
        /// Rows the live table has and the rebuild lacks.
        public let extraLive: Int
        /// A few of the differing rows, as text.
        public let examples: [String]
        public var matches: Bool { missingLive == 0 && extraLive == 0 }
    }

    public struct Report: Sendable {
        public var events = 0
        public var tables: [TableReport] = []
        public var matches: Bool { tables.allSatisfy(\.matches) }
    }

    /// The projections, and which of their rows the pruner may already have deleted (those are
    /// left out of the comparison, and out of a swap).
    static let tables: [(name: String, prunable: String?)] = [
        ("clients", nil), ("users", nil), ("sessions", "expires_at < $cutoff OR COALESCE(ended_at < $cutoff, false)"),
        ("authorization_codes", "expires_at < $cutoff"), ("access_tokens", "expires_at < $cutoff"),
        ("refresh_tokens", "expires_at < $cutoff"), ("consents", nil), ("signing_keys", nil),
        ("audit_tokens", nil), ("audit_flows", nil), ("login_failures", "last_failure_at < $cutoff"),
    ]

    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Rebuilds and compares (`swap: false`: nothing changes) or rebuilds and replaces the live
    /// rows (`swap: true`: appends wait meanwhile). `pruneCutoff`: rows dead before it are left out.
    public func rebuild(swap: Bool, pruneCutoff: Timestamp, progress: @Sendable (Int) -> Void = { _ in }) async throws -> Report {
        try await client.withConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                let report = try await rebuild(on: connection, swap: swap, cutoff: pruneCutoff, progress: progress)
                try await connection.query(swap ? "COMMIT" : "ROLLBACK", logger: logger)
                return report
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    private func rebuild(on connection: PostgresConnection, swap: Bool, cutoff: Timestamp, progress: @Sendable (Int) -> Void) async throws -> Report {
        if swap {
            // No event may land between the rebuild's read and the swap: every append writes its
            // streams' heads, so holding `streams` stops them (and needs no more than the app role's
            // UPDATE on it).
            try await connection.query("LOCK TABLE streams IN EXCLUSIVE MODE", logger: logger)
        } else {
            // One snapshot for the log and the live tables: inline projections commit with their events.
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", logger: logger)
        }
        // The rebuilt rows go to temporary tables of the same names, which the session finds
        // before the live ones: no DDL on the schema, so the app role can rebuild.
        for table in Self.tables {
            try await connection.query(PostgresQuery(unsafeSQL: """
                CREATE TEMPORARY TABLE \(table.name) (LIKE public.\(table.name) INCLUDING ALL) ON COMMIT DROP
                """), logger: logger)
        }
        try await connection.query("SET LOCAL search_path = pg_temp, public", logger: logger)

        // The audit index follows the log asynchronously: compare it only up to where it has read.
        var indexedUpTo: LogCursor?
        if !swap {
            indexedUpTo = .start
            for try await (transactionID, position) in try await connection.query(
                "SELECT tx_id::text, position FROM public.projection_checkpoints WHERE name = 'audit_index'", logger: logger
            ).decode((String, Int64).self) {
                indexedUpTo = LogCursor(transactionID: UInt64(transactionID) ?? 0, position: position)
            }
        }
        var report = Report()
        var after: Int64 = 0
        var lastCursor = LogCursor.start
        let projections = EventProjections()
        let index = AuditIndex()
        while true {
            let events = try await EventStore.decode(try await connection.query("""
                SELECT \(unescaped: EventStore.columns) FROM public.events WHERE position > \(after) ORDER BY position LIMIT 10000
                """, logger: logger))
            guard let last = events.last else { break }
            try await projections.apply(events, on: connection, logger: logger)
            try await index.apply(indexedUpTo.map { limit in events.filter { $0.cursor <= limit } } ?? events, on: connection, logger: logger)
            lastCursor = max(lastCursor, events.map(\.cursor).max() ?? .start)
            report.events += events.count
            after = last.position
            progress(report.events)
        }
        try await connection.query("SET LOCAL search_path = public, pg_temp", logger: logger)
        if swap {
            try await connection.query("""
                INSERT INTO projection_checkpoints (name, tx_id, position)
                VALUES ('audit_index', \(String(lastCursor.transactionID))::xid8, \(lastCursor.position))
                ON CONFLICT (name) DO UPDATE SET tx_id = EXCLUDED.tx_id, position = EXCLUDED.position
                """, logger: logger)
        }

        for table in Self.tables {
            let retained = table.prunable.map { "NOT (\($0.replacingOccurrences(of: "$cutoff", with: "vellum_ts(\(cutoff.microsecondsSinceEpoch))")))" } ?? "true"
            if swap {
                try await connection.query(PostgresQuery(unsafeSQL: "DELETE FROM public.\(table.name)"), logger: logger)
                try await connection.query(PostgresQuery(unsafeSQL: """
                    INSERT INTO public.\(table.name) SELECT * FROM pg_temp.\(table.name) WHERE \(retained)
                    """), logger: logger)
            }
            report.tables.append(try await compare(table.name, retained: retained, on: connection))
            try await connection.query(PostgresQuery(unsafeSQL: "DROP TABLE pg_temp.\(table.name)"), logger: logger)
        }
        return report
    }

    private func compare(_ table: String, retained: String, on connection: PostgresConnection) async throws -> TableReport {
        func rows(_ sql: String) async throws -> [String] {
            var result: [String] = []
            for try await text in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(String.self) {
                result.append(text)
            }
            return result
        }
        let rebuilt = "SELECT * FROM pg_temp.\(table) WHERE \(retained)"
        let live = "SELECT * FROM public.\(table) WHERE \(retained)"
        let missing = try await rows("SELECT d::text FROM (\(rebuilt) EXCEPT ALL \(live)) AS d")
        let extra = try await rows("SELECT d::text FROM (\(live) EXCEPT ALL \(rebuilt)) AS d")
        let count = try await rows("SELECT count(*)::text FROM (\(rebuilt)) AS d").first.flatMap { Int($0) } ?? 0
        return TableReport(table: table, rows: count, missingLive: missing.count, extraLive: extra.count,
                           examples: (missing.prefix(3).map { "rebuilt only: \($0)" } + extra.prefix(3).map { "live only: \($0)" }))
    }
}
