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

    /// How far a rebuild has read.
    public struct Progress: Sendable {
        /// Events replayed so far.
        public let events: Int
        /// Whether the rebuild is in its last step, the one transaction on one snapshot (the
        /// events since the batches, then the comparison or the swap).
        public let isFinalStep: Bool
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
    /// rows (`swap: true`: appends wait during the final step). `pruneCutoff`: rows dead before it
    /// are left out. `progress` is called after each batch.
    ///
    /// No transaction lasts the whole run: the log is replayed into session-scoped temporary
    /// tables in short transactions, each up to the gap-safe horizon; only the last step — the
    /// events since, and the comparison or the swap — runs in one transaction, on one snapshot.
    /// A rebuild of millions of events so never holds back the sealer, the index or vacuum.
    public func rebuild(swap: Bool, pruneCutoff: Timestamp, batch: Int = 10_000,
                        progress: @Sendable (Progress) async -> Void = { _ in }) async throws -> Report {
        try await client.withConnection { connection in
            // Temporary tables live in local buffers, 8 MB by default: a log's worth of projections
            // would go to disk and back. (Takes effect only before the session's first temporary table.)
            try await connection.query("SET temp_buffers = '256MB'", logger: logger)
            for table in Self.tables {
                try await connection.query(PostgresQuery(unsafeSQL: """
                    CREATE TEMPORARY TABLE \(table.name) (LIKE public.\(table.name) INCLUDING ALL)
                    """), logger: logger)
            }
            do {
                let report = try await rebuild(on: connection, swap: swap, cutoff: pruneCutoff, batch: batch, progress: progress)
                try await dropTemporaryTables(on: connection)
                return report
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                try? await dropTemporaryTables(on: connection)
                throw error
            }
        }
    }

    private func dropTemporaryTables(on connection: PostgresConnection) async throws {
        try await connection.query("RESET search_path", logger: logger)
        for table in Self.tables {
            try await connection.query(PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS pg_temp.\(table.name)"), logger: logger)
        }
    }

    private func rebuild(on connection: PostgresConnection, swap: Bool, cutoff: Timestamp, batch: Int,
                         progress: @Sendable (Progress) async -> Void) async throws -> Report {
        // The rebuilt rows go to the temporary tables of the same names, which the session finds
        // before the live ones: no DDL on the schema, so the app role can rebuild.
        try await connection.query("SET search_path = pg_temp, public", logger: logger)
        var report = Report()
        var cursor = LogCursor.start
        let projections = EventProjections()
        let index = AuditIndex()
        // In verify mode the audit index, which follows the log asynchronously, is compared only up
        // to where it has read; what it has not read yet waits for the last step.
        var indexed = swap ? nil : try await indexCheckpoint(on: connection)
        var indexedThrough = LogCursor.start

        // Below the horizon, batch by batch, each written in its own short transaction. The next
        // batch is read and decoded on another connection while this one is written.
        var next = prepare(after: cursor, batch: batch, indexLimit: indexed)
        while true {
            let prepared = try await next.value
            let more = prepared.events.count == batch
            if more { next = prepare(after: prepared.events.last!.cursor, batch: batch, indexLimit: indexed) }
            // Nothing below the horizon (a transaction elsewhere in the cluster holds it back): no
            // batch, no progress to report; the final step reads the rest.
            guard !prepared.events.isEmpty else { break }
            try await connection.query("BEGIN", logger: logger)
            try await projections.write(prepared.changes, on: connection, logger: logger)
            try await index.write(prepared.index, on: connection, logger: logger)
            try await connection.query("COMMIT", logger: logger)
            indexedThrough = prepared.indexedThrough ?? indexedThrough
            cursor = prepared.events.last?.cursor ?? cursor
            report.events += prepared.events.count
            await progress(Progress(events: report.events, isFinalStep: false))
            if !more { break }
        }

        // The rest, and the comparison or the swap, on one snapshot.
        try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ", logger: logger)
        if swap {
            // No event may land between the last read and the swap: every append writes its
            // streams' heads, so holding `streams` stops them (and needs no more than the app role's
            // UPDATE on it). The catch-up index waits too (its advisory lock).
            try await connection.query("LOCK TABLE streams IN EXCLUSIVE MODE", logger: logger)
            try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended('audit_index', 7))", logger: logger)
        }
        if !swap {
            // Events the index had not read when the run began, and has since: index them now.
            let limit = try await indexCheckpoint(on: connection)
            indexed = limit
            var from = indexedThrough
            while from < limit {
                let events = try await EventStore.readLog(after: from, limit: batch, belowHorizon: false, on: connection, logger: logger)
                    .filter { $0.cursor <= limit && $0.cursor <= cursor }
                guard let last = events.last else { break }
                try await index.apply(events, on: connection, logger: logger)
                from = last.cursor
            }
        }
        while true {
            let events = try await EventStore.readLog(after: cursor, limit: batch, belowHorizon: false, on: connection, logger: logger)
            guard let last = events.last else { break }
            try await projections.apply(events, on: connection, logger: logger)
            try await index.apply(indexed.map { limit in events.filter { $0.cursor <= limit } } ?? events, on: connection, logger: logger)
            cursor = last.cursor
            report.events += events.count
            await progress(Progress(events: report.events, isFinalStep: true))
        }
        try await connection.query("SET LOCAL search_path = public, pg_temp", logger: logger)
        if swap {
            try await connection.query("""
                INSERT INTO projection_checkpoints (name, tx_id, position)
                VALUES ('audit_index', \(String(cursor.transactionID))::xid8, \(cursor.position))
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
        }
        try await connection.query(swap ? "COMMIT" : "ROLLBACK", logger: logger)
        return report
    }

    /// A batch of the log below the horizon, read and decoded into the rows it changes.
    private struct Prepared: Sendable {
        let events: [RecordedEvent]
        let changes: [ProjectionChange]
        let index: AuditIndex.Batch
        /// The last event given to the index (only those up to the index's own checkpoint, in verify mode).
        let indexedThrough: LogCursor?
    }

    private func prepare(after cursor: LogCursor, batch: Int, indexLimit: LogCursor?) -> Task<Prepared, any Error> {
        Task { [client, logger] in
            let events = try await client.withConnection { connection in
                try await EventStore.readLog(after: cursor, limit: batch, on: connection, logger: logger)
            }
            let forIndex = indexLimit.map { limit in events.filter { $0.cursor <= limit } } ?? events
            return Prepared(events: events, changes: try EventProjections().changes(for: events),
                            index: AuditIndex().batch(for: forIndex, logger: logger), indexedThrough: forIndex.last?.cursor)
        }
    }

    /// Where the audit index has read to, as the current transaction sees it.
    private func indexCheckpoint(on connection: PostgresConnection) async throws -> LogCursor {
        var cursor = LogCursor.start
        for try await (transactionID, position) in try await connection.query(
            "SELECT tx_id::text, position FROM public.projection_checkpoints WHERE name = 'audit_index'", logger: logger
        ).decode((String, Int64).self) {
            cursor = LogCursor(transactionID: UInt64(transactionID) ?? 0, position: position)
        }
        return cursor
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
