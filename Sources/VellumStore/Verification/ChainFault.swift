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
        /// A sealed event now stands at another place (its stream or version changed, or positions swapped).
        case reordered
        /// Every event of a sealed stream is gone, and its head with them.
        case deletedStream = "deleted stream"
        /// An event older than the sealing interval has no seal: the sealer was stopped, or seals were removed.
        case unsealed
        /// The seal chain (or a seal) no longer matches the events or itself.
        case sealBroken = "seal chain broken"
        /// A checkpoint does not match the recomputed seal chain, or its signature does not verify.
        case checkpointMismatch = "checkpoint mismatch"
        /// Events old enough to be covered by a trusted checkpoint are not (checkpoints deleted,
        /// the tail rewritten after signing stopped, or no checkpoint by the pinned key at all).
        case uncovered = "not covered by a trusted checkpoint"
    }

    /// The kind of fault.
    public let kind: Kind
    /// The position of the first event that does not verify (for a truncated stream, its last
    /// remaining event's position, or nil when no event of it remains).
    public let position: Int64?
    /// The stream (empty when the fault concerns the seal chain as a whole).
    public let streamID: String
    /// The version at which the chain breaks (0 when not about one event).
    public let version: Int64
    /// What else is known, for the report (`seal 1234`, `checkpoint at seal 5000`, …).
    public var detail: String = ""

    /// A fault of `kind` in `streamID` at `version` (event `position`, when one is left).
    public init(kind: Kind, position: Int64?, streamID: String, version: Int64, detail: String = "") {
        self.kind = kind
        self.position = position
        self.streamID = streamID
        self.version = version
        self.detail = detail
    }

    /// At one position, the more specific finding comes first: a reordered, missing or deleted event
    /// also breaks its hash chain, but "reordered" says more than "altered".
    var specificity: Int {
        switch kind {
        case .deletedStream: 0
        case .reordered: 1
        case .missing: 2
        case .truncated: 3
        case .altered: 4
        case .headMismatch: 5
        case .sealBroken: 6
        case .unsealed: 7
        case .checkpointMismatch: 8
        case .uncovered: 9
        }
    }

    /// Faults in report order: by position (faults of no position last), the most specific first.
    public static func reportOrder(_ faults: [ChainFault]) -> [ChainFault] {
        faults.sorted { ($0.position ?? .max, $0.specificity) < ($1.position ?? .max, $1.specificity) }
    }

    public var description: String {
        let at = position.map { "position \($0)" } ?? "no position"
        var context: [String] = []
        if !streamID.isEmpty { context.append(version > 0 ? "\(streamID) version \(version)" : streamID) }
        if !detail.isEmpty { context.append(detail) }
        return "\(kind.rawValue) at \(at)" + (context.isEmpty ? "" : " (\(context.joined(separator: ", ")))")
    }
}
