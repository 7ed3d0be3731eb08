import Synchronization
import VellumCore

/// The flow states this instance last decided on or read, each with the stream version it
/// reflects. A flow is then read only past that version — usually nothing, one indexed lookup —
/// instead of re-decoding its whole stream on every step (a refresh family's stream grows with
/// each rotation). Only a starting point: every decision still appends at the version it was made
/// on, so a state another instance moved on is caught up from the log, never trusted stale.
/// Bounded: when full it forgets everything and fills again.
final class FlowStateCache: Sendable {
    struct Entry: Sendable {
        let version: Int64
        let state: FlowState
    }

    private let entries = Mutex<[String: Entry]>([:])
    let capacity: Int

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    func entry(_ streamID: String) -> Entry? {
        entries.withLock { $0[streamID] }
    }

    /// Keeps `state` at stream `version`, unless a newer one is kept already.
    func keep(_ streamID: String, version: Int64, state: FlowState) {
        entries.withLock { entries in
            if let kept = entries[streamID], kept.version >= version { return }
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[streamID] = Entry(version: version, state: state)
        }
    }

    var count: Int { entries.withLock { $0.count } }
}
