/// An event a caller wants appended: its type and its JSON payload and metadata, exactly as they
/// will be stored and hashed.
public struct ProposedEvent: Sendable, Equatable {
    /// The event type, a noun in the past tense (`AuthorizationCodeIssued`).
    public var type: String
    /// The payload as JSON text; stored byte for byte in a `json` column.
    public var payload: String
    /// The metadata (request id, remote IP, user agent, instance, actor) as JSON text.
    public var metadata: String

    /// An event to append.
    public init(type: String, payload: String, metadata: String) {
        self.type = type
        self.payload = payload
        self.metadata = metadata
    }
}
