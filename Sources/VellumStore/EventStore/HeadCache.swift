import Synchronization
import VellumCore

/// The stream heads this process last wrote or read, so that a batch need not read them back
/// before writing. Only a hint: the batch's write moves a head only if it is still at the version
/// planned on, so a stale entry (another instance wrote meanwhile) costs a lost race and a fresh
/// read, never a wrong write. Bounded: it keeps the heads written or read most recently
/// (``RecentEntries``).
final class HeadCache: Sendable {
    private let heads: Mutex<RecentEntries<String, StreamHead>>

    init(capacity: Int = 100_000) {
        heads = Mutex(RecentEntries(capacity: capacity))
    }

    /// The cached heads of `streamIDs` (absent ones are unknown).
    func heads(of streamIDs: some Sequence<String>) -> [String: StreamHead] {
        heads.withLock { cached in
            var found: [String: StreamHead] = [:]
            for id in streamIDs { if let head = cached.value(for: id) { found[id] = head } }
            return found
        }
    }

    /// Records heads as written or read; a head never moves back (an older read arriving late).
    func remember(_ updates: [String: StreamHead]) {
        guard !updates.isEmpty else { return }
        heads.withLock { cached in
            for (id, head) in updates where (cached.peek(id)?.version ?? -1) < head.version {
                cached.keep(head, for: id)
            }
        }
    }

    /// Forgets `streamIDs` (their write lost a race: what is cached is stale).
    func forget(_ streamIDs: some Sequence<String>) {
        heads.withLock { cached in for id in streamIDs { cached.forget(id) } }
    }
}

extension HeadCache {
    /// What a batch of `requests` can plan on without reading: the cached heads that satisfy their
    /// request's expectation (`known`), and the streams whose head must be read from the database
    /// first (`unknown`). A stream in neither is expected not to exist and is not cached: it is
    /// planned as empty, and its creation fails (a lost race) if it exists after all.
    func plannable(_ requests: [AppendRequest]) -> (known: [String: StreamHead], unknown: [String]) {
        let cached = heads(of: requests.map(\.streamID))
        var known: [String: StreamHead] = [:]
        var unknown = Set<String>()
        for request in requests where known[request.streamID] == nil && !unknown.contains(request.streamID) {
            if let head = cached[request.streamID], request.expected.isSatisfied(by: head.version) {
                known[request.streamID] = head
            } else if cached[request.streamID] == nil, case .noStream = request.expected {
                continue
            } else {
                // Unknown, or cached at a version that would refuse the request: a refusal is
                // decided on the database's head, never on a hint.
                unknown.insert(request.streamID)
            }
        }
        return (known, Array(unknown))
    }
}
