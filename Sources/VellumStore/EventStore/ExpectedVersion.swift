/// What a writer believes a stream's version to be; the append succeeds only if it is right.
public enum ExpectedVersion: Sendable, Hashable, CustomStringConvertible {
    /// The stream must not exist yet (has no events).
    case noStream
    /// The stream's last event must have exactly this version.
    case exactly(Int64)
    /// No check: append after whatever is there. Only for streams with a single writer.
    case any

    /// Whether a stream now at `current` (0 when it has no events) satisfies the expectation.
    public func isSatisfied(by current: Int64) -> Bool {
        switch self {
        case .noStream: current == 0
        case .exactly(let version): current == version
        case .any: true
        }
    }

    public var description: String {
        switch self {
        case .noStream: "no stream"
        case .exactly(let version): "version \(version)"
        case .any: "any version"
        }
    }
}
