import Foundation
public import VellumCore

extension EventStore {
    /// Carries out `command` on the aggregate of `streamID`: reads the stream, decides, appends
    /// at the version read; on a concurrent writer, reads and decides again. Returns the events
    /// recorded (none when the command changed nothing) and the state they leave.
    @discardableResult
    public func execute<A: Aggregate>(
        _ command: A.Command, on streamID: String, as aggregate: A.Type, metadata: EventMetadata
    ) async throws -> (events: [any Event], state: A) {
        let metadataJSON = try EventJSON.encodeValue(metadata.forCommand(UUID().uuidString.lowercased()))
        let outcome = try await update(streamID) { history -> StreamDecision<AggregateOutcome<A>> in
            var state = try A(recorded: history.map { (type: $0.type, payload: $0.payload) })
            let events = try state.decide(command)
            try state.evolve(decided: events)
            let proposed = try events.map { event in
                try ProposedEvent(event, metadata: metadataJSON)
            }
            return StreamDecision(events: proposed, result: AggregateOutcome(events: events, state: state))
        }
        return (outcome.events, outcome.state)
    }
}

/// What one aggregate command recorded.
private struct AggregateOutcome<A: Aggregate>: Sendable {
    let events: [any Event]
    let state: A
}

/// Where `user_credentials` rows come from: a credential is written before the event that names
/// it, so an event never names a missing credential; a credential no event names is never used.
extension EventStore {
    /// Stores `passwordHash` (bcrypt) as credential `credentialID` of `userID`.
    public func storeCredential(_ credentialID: String, userID: String, passwordHash: String) async throws {
        try await client.query("""
            INSERT INTO user_credentials (credential_id, user_id, password_hash)
            VALUES (\(credentialID), \(userID), \(passwordHash))
            """, logger: logger)
    }
}
