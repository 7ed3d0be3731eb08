import VellumCore

/// Every stream's hash chain recomputed over events read in log order: each stream's versions
/// ascending, streams interleaved as they were written (seal order, then position order). Only the
/// streams still short of their head are held, so memory follows the number of flows in progress
/// at any point of the log, not the number of streams it ever held. Pure: the verifiers feed it.
struct StreamChains: Sendable {
    /// A stream's head (`streams`) as it was read beside its event.
    struct Head: Sendable, Equatable {
        let version: Int64
        let hash: [UInt8]
    }

    private struct Open {
        var version: Int64 = 0
        var position: Int64?
        var hash = EventHash.genesis
        var head: Head?
    }

    private var open: [String: Open] = [:]
    /// Streams with a fault already found: their later events are not checked again.
    private var broken: Set<String> = []
    /// Streams with events past their head: reported once the walk ends, at the last such event.
    private var pastHead: [String: (position: Int64, version: Int64)] = [:]
    private(set) var events = 0
    /// Streams read in part, still short of their head: what the walk holds in memory.
    var openStreams: Int { open.count }
    private(set) var streams = 0
    private(set) var faults: [ChainFault] = []

    /// Takes the next event of a stream by its identity, stored hash and head (nil: the stream has
    /// no head); `hash` computes its expected hash from the previous one (only called while the
    /// stream still verifies), `headHash` reads the head's hash (only when the stream starts).
    mutating func next(streamID: String, version: Int64, position: Int64, storedHash: some Collection<UInt8>,
                       headVersion: Int64?, headHash: () -> [UInt8], hash: ([UInt8]) -> [UInt8]) {
        events += 1
        if let headVersion, version > headVersion {
            // The head was not moved on (or was moved back): the stream ends elsewhere than its head says.
            if open[streamID] == nil && !broken.contains(streamID) && pastHead[streamID] == nil { streams += 1 }
            if !broken.contains(streamID) { pastHead[streamID] = (position, version) }
            return
        }
        guard !broken.contains(streamID) else { return }
        var stream = open.removeValue(forKey: streamID) ?? { streams += 1; return Open(head: headVersion.map { Head(version: $0, hash: headHash()) }) }()
        let expected: [UInt8]
        switch ChainLink.check(streamID: streamID, version: version, position: position, after: (stream.version, stream.hash),
                               storedHash: storedHash, hash: hash) {
        case .broken(let fault):
            fail(fault)
            return
        case .linked(let hash):
            expected = hash
        }
        stream.version = version
        stream.position = position
        stream.hash = expected
        if let head = stream.head, version == head.version {
            // The stream is whole: its last event is the head's.
            if head.hash != expected { pastHead[streamID] = (position, version) }
            return
        }
        open[streamID] = stream
    }

    /// Ends the walk: streams short of their head were truncated, streams past it (or ending on
    /// another hash) disagree with their head. Returns every fault in report order.
    mutating func finish() -> [ChainFault] {
        for (streamID, last) in pastHead where !broken.contains(streamID) {
            faults.append(ChainFault(kind: .headMismatch, position: last.position, streamID: streamID, version: last.version))
        }
        for (streamID, stream) in open {
            guard let head = stream.head, head.version > stream.version else { continue }
            faults.append(ChainFault(kind: .truncated, position: stream.position, streamID: streamID, version: stream.version + 1))
        }
        open = [:]
        pastHead = [:]
        faults = ChainFault.reportOrder(faults)
        return faults
    }

    private mutating func fail(_ fault: ChainFault) {
        broken.insert(fault.streamID)
        pastHead[fault.streamID] = nil
        faults.append(fault)
    }
}
