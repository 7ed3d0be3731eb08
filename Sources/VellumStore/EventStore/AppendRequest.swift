/// One caller's append: events for one stream, guarded by the version the caller expects.
public struct AppendRequest: Sendable, Equatable {
    /// The stream, `kind-id`.
    public var streamID: String
    /// The version the caller read before deciding; the append fails if the stream moved on.
    public var expected: ExpectedVersion
    /// The events, appended in order with consecutive versions.
    public var events: [ProposedEvent]

    /// A request to append `events` to `streamID` if it is at `expected`.
    public init(streamID: String, expected: ExpectedVersion, events: [ProposedEvent]) {
        self.streamID = streamID
        self.expected = expected
        self.events = events
    }
}
