/// What an appender has committed so far; the ratio of events to transactions shows the batching.
public struct AppendStatistics: Sendable, Equatable {
    /// Transactions committed that wrote at least one event.
    public var transactions: Int = 0
    /// Events committed.
    public var events: Int = 0
    /// Requests answered with success.
    public var requests: Int = 0
    /// Batches that lost a race with another writer and were planned again.
    public var lostRaces: Int = 0

    /// No appends yet.
    public init() {}
}
