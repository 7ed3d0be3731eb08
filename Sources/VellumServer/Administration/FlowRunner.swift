import Foundation
import VellumCore
import VellumStore

/// Carries out flow commands: read the flow, decide, append at the version read; on a concurrent
/// writer, read and decide again. The HTTP endpoints and the operator's commands share it.
struct FlowRunner: Sendable {
    let store: EventStore
    /// Where the flow's state is kept between steps (nil: read the whole stream each time).
    var cache: FlowStateCache?

    /// How many concurrent writers to absorb before giving up.
    static let maximumAttempts = 32

    /// `isNew`: the caller has just made `flowID` up (a fresh UUID), so the stream cannot exist:
    /// the first decision is made on the empty state without reading it (the append, expecting no
    /// stream, is the check all the same).
    @discardableResult
    func execute(
        _ commands: [FlowCommand], on flowID: String, isNew: Bool = false, metadata: EventMetadata
    ) async throws -> (decision: FlowDecision, state: FlowState) {
        let metadataJSON = try EventJSON.encodeValue(metadata.forCommand(UUID().uuidString.lowercased()))
        let streamID = AuthorizationServer.flowStream(flowID)
        var attempt = 0
        while true {
            attempt += 1
            // First on the kept state, unread: the append below is accepted only if the stream is
            // still at its version, so a decision on a state another instance moved on is refused
            // and made again on the events caught up. A decision that writes nothing proves nothing
            // about freshness: it is made again on the log's latest state.
            let kept = attempt > 1 ? nil : isNew ? FlowStateCache.Entry(version: 0, state: FlowState()) : cache?.entry(streamID)
            var (version, state): (Int64, FlowState)
            if let kept { (version, state) = (kept.version, kept.state) } else { (version, state) = try await current(streamID) }
            let decision = Flow.decide(state, commands)
            guard !decision.events.isEmpty else {
                if kept != nil { continue }
                return (decision, state)
            }
            let events = try decision.events.map { event in
                try ProposedEvent(event.event, metadata: metadataJSON)
            }
            do {
                let recorded = try await store.append(to: streamID, expected: version == 0 ? .noStream : .exactly(version), events: events)
                decision.events.forEach { state.evolve($0) }
                version = recorded.last?.version ?? version
                cache?.keep(streamID, version: version, state: state)
                return (decision, state)
            } catch AppendError.wrongExpectedVersion where attempt < Self.maximumAttempts {
                // Another writer got there first: catch up with what it wrote and decide again.
                continue
            }
        }
    }

    /// The flow's latest state and the stream version it reflects: the kept state caught up with
    /// the events recorded since, or the whole stream.
    func current(_ streamID: String) async throws -> (version: Int64, state: FlowState) {
        let kept = cache?.entry(streamID)
        var state = kept?.state ?? FlowState()
        var version = kept?.version ?? 0
        let newer = try await store.readStream(streamID, afterVersion: version)
        for event in newer {
            if let flowEvent = try FlowEvent(type: event.type, payload: event.payload) { state.evolve(flowEvent) }
            version = event.version
        }
        if !newer.isEmpty { cache?.keep(streamID, version: version, state: state) }
        return (version, state)
    }
}
