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

        if version != stream.version + 1 {
            stream.fault = ChainFault(kind: .missing, position: position, streamID: streamID, version: stream.version + 1)
            return finished
        }
        // Chain from the recomputed hash, not the stored one: an altered event whose stored hash was
        // recomputed by the tamperer is still caught at that event, not at the one after it.
        let expected = hash(stream.hash)
        if expected != storedHash {
            stream.fault = ChainFault(kind: .altered, position: position, streamID: streamID, version: version)
        }
        stream.version = version
        stream.position = position
        stream.hash = expected
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
