/// Something in the log that does not hold: the first place a stream's chain breaks.
public struct ChainFault: Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public enum Kind: String, Sendable, Equatable {
        /// The stored hash is not the hash of the stored event: the event was altered.
        case altered
        /// A version is missing: an event was deleted from the middle of the stream.
        case missing
        /// The stream's head (`streams`) is past its last event: the tail was truncated.
        case truncated
        /// The stream's head hash does not match its last event.
        case headMismatch = "head mismatch"
    }

    /// The kind of fault.
    public let kind: Kind
    /// The position of the first event that does not verify (for a truncated stream, its last
    /// remaining event's position, or nil when no event of it remains).
    public let position: Int64?
    /// The stream.
    public let streamID: String
    /// The version at which the chain breaks.
    public let version: Int64

    /// A fault of `kind` in `streamID` at `version` (event `position`, when one is left).
    public init(kind: Kind, position: Int64?, streamID: String, version: Int64) {
        self.kind = kind
        self.position = position
        self.streamID = streamID
        self.version = version
    }

    public var description: String {
        let at = position.map { "position \($0)" } ?? "no position"
        return "\(kind.rawValue) at \(at) (\(streamID) version \(version))"
    }
}
