public import Logging
public import PostgresNIO
import VellumCore

/// Recomputes every stream's hash chain from the stored events and compares it with the stored
/// hashes and the stream heads (DESIGN.md §3). Reads only, in one pass over the log, holding only
/// the streams in progress. `LogVerifier` does the same walk in seal order, beside the seal chain.
public struct ChainVerifier: Sendable {
    /// What one pass found.
    public struct Report: Sendable {
        /// Events read.
        public var events: Int = 0
        /// Streams read.
        public var streams: Int = 0
        /// The first fault of each broken stream, ordered by position (the earliest first).
        public var faults: [ChainFault] = []
        /// Whether every chain holds.
        public var isValid: Bool { faults.isEmpty }
        /// The fault at the lowest position, the one to report first.
        public var firstFault: ChainFault? { faults.first }
    }

    let source: QuerySource
    let logger: Logger

    /// A verifier reading through `client`; it needs SELECT on `events` and `streams` only.
    public init(client: PostgresClient, logger: Logger) {
        self.source = .pool(client)
        self.logger = logger
    }

    /// A verifier reading on `connection`, inside the transaction (and snapshot) it holds.
    public init(connection: PostgresConnection, logger: Logger) {
        self.source = .connection(connection)
        self.logger = logger
    }

    /// Verifies every stream; `progress` is called every 100,000 events with the count so far.
    public func verify(progress: @Sendable (Int) -> Void = { _ in }) async throws -> Report {
        var chains = StreamChains()
        // In position order, which is each stream's version order: one pass, heads read beside
        // their events, only the streams still short of their head held in memory.
        let rows = try await source.query("""
            SELECT \(unescaped: EventRow.columns) FROM events e \(unescaped: EventRow.headJoin) ORDER BY e.position
            """, logger: logger)
        for try await row in rows {
            var cells = RawCells(row)
            chains.next(try EventRow(&cells))
            if chains.events % 100_000 == 0 { progress(chains.events) }
        }
        let faults = chains.finish() + (try await Self.headsWithoutEvents(source, logger: logger))
        return Report(events: chains.events, streams: chains.streams, faults: ChainFault.reportOrder(faults))
    }

    /// Streams whose head remains with no event at all: every event of them is gone.
    static func headsWithoutEvents(_ source: QuerySource, logger: Logger) async throws -> [ChainFault] {
        var faults: [ChainFault] = []
        for try await (streamID, version) in try await source.query("""
            SELECT stream_id, version FROM streams h
            WHERE version > 0 AND NOT EXISTS (SELECT 1 FROM events e WHERE e.stream_id = h.stream_id)
            """, logger: logger).decode((String, Int64).self) {
            faults.append(ChainFault(kind: .truncated, position: nil, streamID: streamID, version: version))
        }
        return faults
    }
}
