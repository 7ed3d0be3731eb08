/// What a decision over one stream produced: events to append and a result for the caller.
public struct StreamDecision<Result: Sendable>: Sendable {
    /// Events to append after the version the decision was made on (none: nothing to write).
    public var events: [ProposedEvent]
    /// What the caller gets once the events are durable.
    public var result: Result

    public init(events: [ProposedEvent], result: Result) {
        self.events = events
        self.result = result
    }
}

extension EventStore {
    /// Reads `streamID`, decides on its events, and appends what was decided, expecting the version
    /// that was read. When another writer got there first, it reads and decides again, so every
    /// decision is made on the stream's latest state; this is what makes a code redeemable once
    /// across any number of instances.
    ///
    /// - Parameter maximumAttempts: how many conflicts to absorb before giving up.
    public func update<Result: Sendable>(
        _ streamID: String, maximumAttempts: Int = 32,
        decide: ([RecordedEvent]) throws -> StreamDecision<Result>
    ) async throws -> Result {
        var attempt = 0
        while true {
            attempt += 1
            let history = try await readStream(streamID)
            let decision = try decide(history)
            guard !decision.events.isEmpty else { return decision.result }
            let version = history.last?.version ?? 0
            do {
                try await append(to: streamID, expected: version == 0 ? .noStream : .exactly(version), events: decision.events)
                return decision.result
            } catch AppendError.wrongExpectedVersion where attempt < maximumAttempts {
                continue
            }
        }
    }
}
