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
    /// The typed event, when this one was just appended by a caller that gave it (nil when read
    /// from the log). Not part of equality.
    public var event: (any Event)?

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

    public static func == (lhs: RecordedEvent, rhs: RecordedEvent) -> Bool {
        lhs.position == rhs.position && lhs.transactionID == rhs.transactionID && lhs.streamID == rhs.streamID
            && lhs.version == rhs.version && lhs.type == rhs.type && lhs.recordedAt == rhs.recordedAt
            && lhs.payload == rhs.payload && lhs.metadata == rhs.metadata && lhs.hash == rhs.hash
    }

    /// The payload as `E`: the typed event when it came with the append, decoded otherwise.
    public func decode<E: Event>(_ type: E.Type) throws -> E {
        if let typed = event as? E { return typed }
        return try EventJSON.decode(E.self, from: payload)
    }

    /// Where this event stands in the gap-safe order of the whole log.
    public var cursor: LogCursor { LogCursor(transactionID: transactionID, position: position) }
}
