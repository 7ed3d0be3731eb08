/// The browser session aggregate (`session-<uuid>`): started by a password login, ended once.
public struct Session: Aggregate, Equatable {
    public enum Command: Sendable, Equatable {
        case start(SessionStarted)
        /// End the session (`logout`, `switch_user`, `user_disabled`, `password_changed`…).
        case end(reason: String)
    }

    public private(set) var started: SessionStarted?
    public private(set) var ended = false

    public init() {}

    public mutating func evolve(type: String, payload: String) throws {
        switch type {
        case SessionStarted.type: started = try EventJSON.decode(SessionStarted.self, from: payload)
        case SessionEnded.type: ended = true
        default: break
        }
    }

    public func decide(_ command: Command) throws(AggregateRefusal) -> [any Event] {
        switch command {
        case .start(let session):
            guard started == nil else { throw AggregateRefusal("the session has already started") }
            return [session]
        case .end(let reason):
            // Ending is idempotent: a session ends once, however many ask.
            guard let started, !ended else { return [] }
            return [SessionEnded(sessionID: started.sessionID, reason: reason)]
        }
    }

    /// The stream of session `sessionID`.
    public static func streamID(_ sessionID: String) -> String { StreamID(.session, sessionID).description }
}
