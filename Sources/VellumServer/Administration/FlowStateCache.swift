import Synchronization
import VellumCore

/// The flow states this instance last decided on or read, each with the stream version it
/// reflects. A step decides on the kept state without reading the stream at all, and a page reads
/// only past that version, instead of re-decoding the whole stream every time (a refresh family's
/// stream grows with each rotation). Only a starting point: every decision is appended at the
/// version it was made on, so one made on a state another instance moved on is refused and made
/// again on the events caught up from the log; a decision that writes nothing is always made again
/// on the log's latest state.
/// Bounded: it keeps the flows decided on most recently (``RecentEntries``).
final class FlowStateCache: Sendable {
    struct Entry: Sendable {
        let version: Int64
        let state: FlowState
    }

    private let entries: Mutex<RecentEntries<String, Entry>>

    init(capacity: Int = 4_096) {
        entries = Mutex(RecentEntries(capacity: capacity))
    }

    func entry(_ streamID: String) -> Entry? {
        entries.withLock { $0.value(for: streamID) }
    }

    /// Keeps `state` at stream `version`, unless a newer one is kept already.
    func keep(_ streamID: String, version: Int64, state: FlowState) {
        entries.withLock { entries in
            if let kept = entries.peek(streamID), kept.version >= version { return }
            entries.keep(Entry(version: version, state: state), for: streamID)
        }
    }

    var count: Int { entries.withLock { $0.count } }
}
