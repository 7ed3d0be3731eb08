import VellumCore

/// The head of one stream: its version (0 before its first event) and its last hash.
struct StreamHead: Sendable, Equatable {
    var version: Int64
    var hash: [UInt8]

    static let empty = StreamHead(version: 0, hash: EventHash.genesis)
}

/// One event row, ready to insert.
struct PlannedEvent: Sendable, Equatable {
    let streamID: String
    let version: Int64
    let type: String
    let recordedAt: Timestamp
    let payload: String
    let metadata: String
    let hash: [UInt8]
    /// The typed event, when the proposer gave it (not part of equality).
    var event: (any Event)? = nil

    /// This event as recorded at `position` by transaction `transactionID`, typed event kept.
    func recorded(position: Int64, transactionID: UInt64) -> RecordedEvent {
        var recorded = RecordedEvent(
            position: position, transactionID: transactionID, streamID: streamID, version: version, type: type,
            recordedAt: recordedAt, payload: payload, metadata: metadata, hash: hash)
        recorded.event = event
        return recorded
    }

    static func == (lhs: PlannedEvent, rhs: PlannedEvent) -> Bool {
        lhs.streamID == rhs.streamID && lhs.version == rhs.version && lhs.type == rhs.type && lhs.recordedAt == rhs.recordedAt
            && lhs.payload == rhs.payload && lhs.metadata == rhs.metadata && lhs.hash == rhs.hash
    }
}

/// What a batch of append requests becomes once the streams' heads are known: the rows to insert,
/// the new heads, and for each request either its rows or why it was refused.
///
/// Pure: the appender reads the heads (locked) and carries the plan out in the same transaction.
struct AppendPlan: Sendable {
    /// Every row to insert, in request order.
    private(set) var rows: [PlannedEvent] = []
    /// The new head of every stream that receives events.
    private(set) var heads: [String: StreamHead] = [:]
    /// Per request, in order: the range of `rows` it wrote, or the reason it was refused.
    private(set) var outcomes: [Result<Range<Int>, AppendError>] = []

    /// Plans `requests` in order against `currentHeads`; a later request to the same stream sees
    /// the versions an earlier one in the batch wrote. Streams absent from `currentHeads` are empty.
    init(requests: [AppendRequest], currentHeads: [String: StreamHead], recordedAt: Timestamp) {
        var heads = currentHeads
        for request in requests {
            let head = heads[request.streamID] ?? .empty
            guard !request.events.isEmpty else {
                outcomes.append(.failure(.empty(streamID: request.streamID)))
                continue
            }
            guard request.expected.isSatisfied(by: head.version) else {
                outcomes.append(.failure(.wrongExpectedVersion(
                    streamID: request.streamID, expected: request.expected, actual: head.version)))
                continue
            }
            let first = rows.count
            var next = head
            for event in request.events {
                next.version += 1
                next.hash = EventHash.compute(
                    previous: next.hash, streamID: request.streamID, version: next.version,
                    type: event.type, recordedAt: recordedAt, payload: event.payload, metadata: event.metadata)
                rows.append(PlannedEvent(
                    streamID: request.streamID, version: next.version, type: event.type,
                    recordedAt: recordedAt, payload: event.payload, metadata: event.metadata, hash: next.hash, event: event.event))
            }
            heads[request.streamID] = next
            self.heads[request.streamID] = next
            outcomes.append(.success(first..<rows.count))
        }
    }
}
