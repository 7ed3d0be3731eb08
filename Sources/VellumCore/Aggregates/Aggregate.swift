/// An aggregate of the directory (client, user, session, remembered consent): a pure state
/// machine over one stream, like the flow (DESIGN.md §2). `evolve` applies a recorded event;
/// `decide` answers a command with the events to append, or refuses with the reason. The store
/// and the HTTP layer only carry decisions out.
public protocol Aggregate: Sendable {
    associatedtype Command: Sendable

    /// The state of a stream with no events.
    init()

    /// Applies a recorded event, given its type and payload; events of other types are ignored.
    mutating func evolve(type: String, payload: String) throws

    /// The events that carry `command` out in this state (none when it changes nothing).
    func decide(_ command: Command) throws(AggregateRefusal) -> [any Event]
}

extension Aggregate {
    /// The state after `events`, each a recorded type and payload, in order.
    public init(recorded events: some Sequence<(type: String, payload: String)>) throws {
        self.init()
        for event in events { try evolve(type: event.type, payload: event.payload) }
    }

    /// Applies events just decided, as if recorded.
    public mutating func evolve(decided events: [any Event]) throws {
        for event in events { try evolve(type: Swift.type(of: event).type, payload: try EventJSON.encode(event)) }
    }
}

/// A command an aggregate refuses, with the reason an operator or user reads.
public struct AggregateRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
