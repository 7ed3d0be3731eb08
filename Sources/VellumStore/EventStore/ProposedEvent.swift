public import VellumCore

/// An event a caller wants appended: its type and its JSON payload and metadata, exactly as they
/// will be stored and hashed.
public struct ProposedEvent: Sendable, Equatable {
    /// The event type, a noun in the past tense (`AuthorizationCodeIssued`).
    public var type: String
    /// The payload as JSON text; stored byte for byte in a `json` column.
    public var payload: String
    /// The metadata (request id, remote IP, user agent, instance, actor) as JSON text.
    public var metadata: String
    /// The event the payload encodes, when the caller has it: handed to the inline projections as
    /// it is, instead of decoding what was just encoded. Not part of equality.
    public var event: (any Event)?

    /// An event to append.
    public init(type: String, payload: String, metadata: String) {
        self.type = type
        self.payload = payload
        self.metadata = metadata
    }

    /// `event`, encoded, to append with `metadata` (JSON text): the one way to propose an event.
    public init(_ event: some Event, metadata: String) throws {
        self.init(type: Swift.type(of: event).type, payload: try EventJSON.encode(event), metadata: metadata)
        self.event = event
    }

    public static func == (lhs: ProposedEvent, rhs: ProposedEvent) -> Bool {
        lhs.type == rhs.type && lhs.payload == rhs.payload && lhs.metadata == rhs.metadata
    }
}
