import Synchronization
import VellumCore

/// Failed client authentications, bounded before they reach the log: per client, the first
/// failure of an interval is recorded at once, the others counted and recorded together when the
/// interval is over (by the next failure after it, or by ``due(now:)`` from the maintenance
/// round). At most two `ClientAuthenticationFailed` events per client and interval per instance,
/// however fast the failures come. Counts not yet recorded are lost if the instance dies.
final class ClientAuthenticationFailures: Sendable {
    private struct Window {
        var start: Timestamp
        var last: Timestamp
        var pending: [String: Int] = [:]
        var metadata: EventMetadata
    }

    /// A failure or a count to append to the client's stream, with the metadata to give it.
    struct Record: Sendable {
        let event: ClientAuthenticationFailed
        let metadata: EventMetadata
    }

    private let interval: Int64
    private let windows = Mutex<[String: Window]>([:])

    init(intervalSeconds: Int64 = 60) { self.interval = intervalSeconds }

    /// Notes a failure of `clientID` for `reason`; returns what to append now.
    func record(clientID: String, reason: String, at now: Timestamp, metadata: EventMetadata) -> [Record] {
        windows.withLock { windows in
            if var window = windows[clientID], now < window.start.adding(seconds: interval) {
                window.pending[reason, default: 0] += 1
                window.last = now
                windows[clientID] = window
                return []
            }
            var records: [Record] = []
            if let window = windows[clientID], let closed = Self.record(clientID, window) { records.append(closed) }
            windows[clientID] = Window(start: now, last: now, metadata: metadata)
            records.append(Record(event: ClientAuthenticationFailed(clientID: clientID, reasons: [reason: 1], since: now, until: now),
                                  metadata: metadata))
            return records
        }
    }

    /// The counts of intervals that are over, to append now.
    func due(now: Timestamp) -> [Record] {
        windows.withLock { windows in
            let over = windows.filter { now >= $0.value.start.adding(seconds: interval) }
            for clientID in over.keys { windows.removeValue(forKey: clientID) }
            return over.compactMap { Self.record($0.key, $0.value) }
        }
    }

    private static func record(_ clientID: String, _ window: Window) -> Record? {
        guard !window.pending.isEmpty else { return nil }
        return Record(event: ClientAuthenticationFailed(clientID: clientID, reasons: window.pending, since: window.start, until: window.last),
                      metadata: window.metadata)
    }
}
