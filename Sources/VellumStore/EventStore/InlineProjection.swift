public import PostgresNIO

/// A projection written in the same transaction as the events it derives from, so that every
/// instance reads its own writes (DESIGN.md §4).
public protocol InlineProjection: Sendable {
    /// Applies freshly appended events, in log order, on the append's transaction.
    func apply(_ events: [RecordedEvent], on connection: PostgresConnection, logger: Logger) async throws
}
