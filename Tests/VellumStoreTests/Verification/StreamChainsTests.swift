import NIOCore
import Testing
import VellumCore
@testable import VellumStore

/// The one-pass walk of `verify`, without a database: streams interleaved in log order, each
/// checked against the head read beside it, only the streams in progress held.
@Suite("Walking every stream's chain in log order")
struct StreamChainsTests {
    /// A stream of `count` events with a correct chain: (version, stored hash) in order, and its head hash.
    private func stream(_ id: String, count: Int) -> (events: [(Int64, [UInt8])], head: [UInt8]) {
        var previous = EventHash.genesis
        var events: [(Int64, [UInt8])] = []
        for version in 1...Int64(count) {
            previous = hash(id, version, previous)
            events.append((version, previous))
        }
        return (events, previous)
    }

    private func hash(_ id: String, _ version: Int64, _ previous: [UInt8]) -> [UInt8] {
        EventHash.compute(previous: previous, streamID: id, version: version, type: "T", recordedAt: Timestamp(microsecondsSinceEpoch: 0),
                          payload: "{}", metadata: "{}")
    }

    private func take(_ chains: inout StreamChains, _ id: String, _ version: Int64, _ stored: [UInt8], position: Int64,
                      head: (Int64, [UInt8])?) {
        chains.next(streamID: id, version: version, position: position, storedHash: stored, headVersion: head?.0,
                    headHash: { head?.1 ?? [] }, hash: { self.hash(id, version, $0) })
    }

    @Test func memoryFollowsTheStreamsInProgressNotTheLogsLength() {
        var chains = StreamChains()
        var position: Int64 = 0
        var widest = 0
        // A thousand flows, four at a time interleaved, each reaching its head.
        for batch in 0..<250 {
            let ids = (0..<4).map { "flow-\(batch)-\($0)" }
            let streams = ids.map { stream($0, count: 5) }
            for index in 0..<5 {
                for (id, s) in zip(ids, streams) {
                    position += 1
                    take(&chains, id, s.events[index].0, s.events[index].1, position: position, head: (5, s.head))
                    widest = max(widest, chains.openStreams)
                }
            }
        }
        #expect(chains.finish().isEmpty)
        #expect(chains.events == 5_000)
        #expect(chains.streams == 1_000)
        #expect(widest == 4)
    }

    @Test func aStreamShortOfItsHeadIsTruncatedAtItsLastEvent() {
        var chains = StreamChains()
        let s = stream("flow-a", count: 4)
        for (index, event) in s.events.prefix(2).enumerated() {
            take(&chains, "flow-a", event.0, event.1, position: Int64(index + 1), head: (4, s.head))
        }
        #expect(chains.finish() == [ChainFault(kind: .truncated, position: 2, streamID: "flow-a", version: 3)])
    }

    @Test func eventsPastTheHeadDisagreeWithItAtTheLastOfThem() {
        var chains = StreamChains()
        let s = stream("flow-a", count: 4)
        let head = (Int64(2), s.events[1].1)
        for (index, event) in s.events.enumerated() {
            take(&chains, "flow-a", event.0, event.1, position: Int64(index + 10), head: head)
        }
        #expect(chains.finish() == [ChainFault(kind: .headMismatch, position: 13, streamID: "flow-a", version: 4)])
    }

    @Test func aHeadOnAnotherHashDisagrees() {
        var chains = StreamChains()
        let s = stream("flow-a", count: 2)
        for (index, event) in s.events.enumerated() {
            take(&chains, "flow-a", event.0, event.1, position: Int64(index + 1), head: (2, EventHash.genesis))
        }
        #expect(chains.finish() == [ChainFault(kind: .headMismatch, position: 2, streamID: "flow-a", version: 2)])
    }

    @Test func aGapAndAnAlterationAreEachReportedOnceWhereTheyStart() {
        var chains = StreamChains()
        let a = stream("flow-a", count: 4), b = stream("flow-b", count: 3)
        take(&chains, "flow-a", 1, a.events[0].1, position: 1, head: (4, a.head))
        take(&chains, "flow-b", 1, b.events[0].1, position: 2, head: (3, b.head))
        take(&chains, "flow-a", 3, a.events[2].1, position: 3, head: (4, a.head))
        take(&chains, "flow-b", 2, [UInt8](repeating: 7, count: 32), position: 4, head: (3, b.head))
        take(&chains, "flow-a", 4, a.events[3].1, position: 5, head: (4, a.head))
        take(&chains, "flow-b", 3, b.events[2].1, position: 6, head: (3, b.head))
        #expect(chains.finish() == [
            ChainFault(kind: .missing, position: 3, streamID: "flow-a", version: 2),
            ChainFault(kind: .altered, position: 4, streamID: "flow-b", version: 2),
        ])
        #expect(chains.openStreams == 0)
    }
}

@Suite("Walking the seal chain")
struct SealWalkTests {
    @Test func theFirstUncoveredEventIsFoundWhicheverCheckpointIsTheLastTrusted() {
        var walk = SealVerifier(checkpointSeqs: [2, 4])
        var chain = SealChain.genesis
        for seq in Int64(1)...6 {
            let eventHash = [UInt8](repeating: UInt8(seq), count: 32)
            chain = SealChain.next(previous: chain, sealSeq: seq, eventHash: eventHash)
            // Positions run against seal order in the middle, as concurrent transactions may.
            let position = [Int64: Int64](uniqueKeysWithValues: [(1, 10), (2, 11), (3, 14), (4, 12), (5, 13), (6, 15)])[seq]!
            walk.next(seq: seq, position: position, storedChain: ByteBuffer(bytes: chain), eventHash: ByteBuffer(bytes: eventHash),
                      inPlace: true, isOld: true) { ("flow-\(seq)", 1) }
        }
        #expect(walk.seals == 6)
        #expect(walk.altered == nil && walk.gap == nil)
        #expect(walk.earliestOld(after: 0)?.position == 10)
        #expect(walk.earliestOld(after: 2)?.position == 12)
        #expect(walk.earliestOld(after: 4)?.position == 13)
        #expect(walk.chainAt.keys.sorted() == [2, 4])
    }
}
