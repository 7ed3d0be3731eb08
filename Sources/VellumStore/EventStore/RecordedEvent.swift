public import VellumCore

/// An event as the log holds it.
public struct RecordedEvent: Sendable, Equatable {
    /// The global position, assigned at insert (not at commit).
    public let position: Int64
    /// The id of the transaction that wrote the event (`xid8`).
    public let transactionID: UInt64
    /// The stream, `kind-id`.
    public let streamID: String
    /// The event's version in its stream, from 1 with no gaps.
    public let version: Int64
    /// The event type.
    public let type: String
    /// When the event was recorded, to the microsecond.
    public let recordedAt: Timestamp
    /// The payload JSON, as stored.
    public let payload: String
    /// The metadata JSON, as stored.
    public let metadata: String
    /// The event's link in its stream's hash chain.
    public let hash: [UInt8]

    /// An event read from the log.
    public init(
        position: Int64, transactionID: UInt64, streamID: String, version: Int64, type: String,
        recordedAt: Timestamp, payload: String, metadata: String, hash: [UInt8]
    ) {
        self.position = position
        self.transactionID = transactionID
        self.streamID = streamID
        self.version = version
        self.type = type
        self.recordedAt = recordedAt
        self.payload = payload
        self.metadata = metadata
        self.hash = hash
    }

    /// Where this event stands in the gap-safe order of the whole log.
    public var cursor: LogCursor { LogCursor(transactionID: transactionID, position: position) }
}
