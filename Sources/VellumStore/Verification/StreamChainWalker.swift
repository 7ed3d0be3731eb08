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
        var finished: Finished?
        if current?.streamID != event.streamID {
            finished = finish()
            current = (event.streamID, 0, nil, EventHash.genesis, nil)
        }
        guard var stream = current else { return finished }
        defer { current = stream }
        guard stream.fault == nil else { return finished }

        if event.version != stream.version + 1 {
            stream.fault = ChainFault(kind: .missing, position: event.position, streamID: event.streamID, version: stream.version + 1)
            return finished
        }
        // Chain from the recomputed hash, not the stored one: an altered event whose stored hash was
        // recomputed by the tamperer is still caught at that event, not at the one after it.
        let expected = EventHash.compute(
            previous: stream.hash, streamID: event.streamID, version: event.version, type: event.type,
            recordedAt: event.recordedAt, payload: event.payload, metadata: event.metadata)
        if expected != event.hash {
            stream.fault = ChainFault(kind: .altered, position: event.position, streamID: event.streamID, version: event.version)
        }
        stream.version = event.version
        stream.position = event.position
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
