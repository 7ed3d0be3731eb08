import Foundation
import VellumCore
import VellumStore

/// Carries out flow commands: read the flow, decide, append at the version read; on a concurrent
/// writer, read and decide again. The HTTP endpoints and the operator's commands share it.
struct FlowRunner: Sendable {
    let store: EventStore

    @discardableResult
    func execute(_ commands: [FlowCommand], on flowID: String, metadata: EventMetadata) async throws -> (decision: FlowDecision, state: FlowState) {
        let metadataJSON = try EventJSON.encodeValue(metadata.forCommand(UUID().uuidString.lowercased()))
        return try await store.update("flow-\(flowID)") { history in
            var state = try FlowState(history: history)
            let decision = Flow.decide(state, commands)
            let events = try decision.events.map { event in
                ProposedEvent(type: type(of: event.event).type, payload: try EventJSON.encode(event.event), metadata: metadataJSON)
            }
            decision.events.forEach { state.evolve($0) }
            return StreamDecision(events: events, result: (decision, state))
        }
    }
}

extension FlowState {
    /// The state a flow stream's recorded events add up to.
    init(history: [RecordedEvent]) throws {
        self.init(events: try history.compactMap { try FlowEvent(type: $0.type, payload: $0.payload) })
    }
}
