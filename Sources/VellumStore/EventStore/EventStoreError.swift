/// Why an append did not happen.
public enum AppendError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The stream was not at the expected version: re-read it, decide again, retry.
    case wrongExpectedVersion(streamID: String, expected: ExpectedVersion, actual: Int64)
    /// The request had no events.
    case empty(streamID: String)
    /// The appender is shutting down and takes no new requests.
    case shuttingDown
    /// The batch's transaction failed (database unreachable, …); nothing of it was written.
    case storage(String)
    /// The request that asked for the append has been answered already (its deadline passed,
    /// ``RequestDeadline``) before a transaction took it: nothing was written.
    case expired(streamID: String)

    public var description: String {
        switch self {
        case .wrongExpectedVersion(let stream, let expected, let actual):
            "conflict on \(stream): expected \(expected), found version \(actual)"
        case .empty(let stream):
            "nothing to append to \(stream)"
        case .shuttingDown:
            "the appender is shutting down"
        case .storage(let reason):
            "the append failed in the database: \(reason)"
        case .expired(let stream):
            "the append to \(stream) was not written: its request had been answered already"
        }
    }
}
