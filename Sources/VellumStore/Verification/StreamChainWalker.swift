import VellumCore

/// Walks events ordered by `(stream_id, stream_version)` and recomputes each stream's chain.
/// Pure, so the same walk serves the store's verifier and tests.
struct StreamChainWalker: Sendable {
    /// A stream that has been read to its end.
    struct Finished {
        let streamID: String
        let lastVersion: Int64
        let lastPosition: Int64?
        let lastHash: [UInt8]
        /// The first fault in the stream, if any.
        let fault: ChainFault?
    }

    private var current: (streamID: String, version: Int64, position: Int64?, hash: [UInt8], fault: ChainFault?)?

    /// Takes the next event; returns the previous stream when this event starts a new one.
    mutating func next(_ event: RecordedEvent) -> Finished? {
        next(streamID: event.streamID, version: event.version, position: event.position, storedHash: event.hash) { previous in
            EventHash.compute(previous: previous, streamID: event.streamID, version: event.version, type: event.type,
                              recordedAt: event.recordedAt, payload: event.payload, metadata: event.metadata)
        }
    }

    /// Takes the next event by its identity and stored hash; `hash` computes its expected hash
    /// from the previous one (only called while the stream still verifies).
    mutating func next(streamID: String, version: Int64, position: Int64, storedHash: [UInt8],
                       hash: ([UInt8]) -> [UInt8]) -> Finished? {
        var finished: Finished?
        if current?.streamID != streamID {
            finished = finish()
            current = (streamID, 0, nil, EventHash.genesis, nil)
        }
        guard var stream = current else { return finished }
        defer { current = stream }
        guard stream.fault == nil else { return finished }

        switch ChainLink.check(streamID: streamID, version: version, position: position, after: (stream.version, stream.hash),
                               storedHash: storedHash, hash: hash) {
        case .broken(let fault):
            stream.fault = fault
            // An altered event still moves the walk on (the report names its position); a gap does not.
            if fault.kind == .missing { return finished }
        case .linked(let expected):
            stream.hash = expected
        }
        stream.version = version
        stream.position = position
        return finished
    }

    /// Ends the walk and returns the last stream, if any.
    mutating func finish() -> Finished? {
        guard let stream = current else { return nil }
        current = nil
        return Finished(streamID: stream.streamID, lastVersion: stream.version, lastPosition: stream.position,
                        lastHash: stream.hash, fault: stream.fault)
    }
}

/// One link of a stream's hash chain: the event after `previous` (its stream's version and
/// recomputed hash so far) must be the next version, and its stored hash the one recomputed.
/// Both walks (the whole log's, one stream's) check each event with it.
enum ChainLink {
    enum Outcome {
        /// The event links on; its recomputed hash is the one to chain from.
        case linked([UInt8])
        /// The chain breaks here.
        case broken(ChainFault)
    }

    /// The event's recomputed hash to chain from, or its fault: `missing` (a version skipped) or
    /// `altered` (stored and recomputed hashes differ).
    static func check(streamID: String, version: Int64, position: Int64, after previous: (version: Int64, hash: [UInt8]),
                      storedHash: some Collection<UInt8>, hash: ([UInt8]) -> [UInt8]) -> Outcome {
        guard version == previous.version + 1 else {
            return .broken(ChainFault(kind: .missing, position: position, streamID: streamID, version: previous.version + 1))
        }
        // Chain from the recomputed hash, not the stored one: an altered event whose stored hash was
        // recomputed by the tamperer is still caught at that event, not at the one after it.
        let expected = hash(previous.hash)
        guard expected.elementsEqual(storedHash) else {
            return .broken(ChainFault(kind: .altered, position: position, streamID: streamID, version: version))
        }
        return .linked(expected)
    }
}
