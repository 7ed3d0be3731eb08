import Testing
import VellumCore
@testable import VellumStore
import VellumTestSupport

@Suite("Planning a batch of appends (no database)")
struct AppendPlanTests {
    private let now = Timestamp(microsecondsSinceEpoch: 1_000)

    @Test func laterRequestsToTheSameStreamSeeEarlierOnes() throws {
        let plan = AppendPlan(requests: [
            AppendRequest(streamID: "s", expected: .noStream, events: [testEvent(1), testEvent(2)]),
            AppendRequest(streamID: "s", expected: .exactly(2), events: [testEvent(3)]),
            AppendRequest(streamID: "s", expected: .exactly(2), events: [testEvent(4)]),
        ], currentHeads: [:], recordedAt: now)
        #expect(plan.rows.map(\.version) == [1, 2, 3])
        #expect(try plan.outcomes[0].get() == 0..<2)
        #expect(try plan.outcomes[1].get() == 2..<3)
        #expect(throws: AppendError.wrongExpectedVersion(streamID: "s", expected: .exactly(2), actual: 3)) {
            try plan.outcomes[2].get()
        }
        #expect(plan.heads["s"] == StreamHead(version: 3, hash: plan.rows[2].hash))
        #expect(plan.rows[1].hash == EventHash.compute(
            previous: plan.rows[0].hash, streamID: "s", version: 2, type: "TestEventRecorded",
            recordedAt: now, payload: testEvent(2).payload, metadata: plan.rows[1].metadata))
    }

    @Test func chainsFromTheStoredHead() {
        let head = StreamHead(version: 4, hash: [UInt8](repeating: 9, count: 32))
        let plan = AppendPlan(requests: [AppendRequest(streamID: "s", expected: .exactly(4), events: [testEvent(5)])],
                              currentHeads: ["s": head], recordedAt: now)
        #expect(plan.rows.map(\.version) == [5])
        #expect(plan.rows[0].hash == EventHash.compute(
            previous: head.hash, streamID: "s", version: 5, type: "TestEventRecorded",
            recordedAt: now, payload: testEvent(5).payload, metadata: plan.rows[0].metadata))
    }

    @Test func refusedRequestsWriteNothing() {
        let plan = AppendPlan(requests: [
            AppendRequest(streamID: "a", expected: .exactly(1), events: [testEvent(1)]),
            AppendRequest(streamID: "b", expected: .noStream, events: []),
        ], currentHeads: [:], recordedAt: now)
        #expect(plan.rows.isEmpty)
        #expect(plan.heads.isEmpty)
        #expect(throws: AppendError.wrongExpectedVersion(streamID: "a", expected: .exactly(1), actual: 0)) { try plan.outcomes[0].get() }
        #expect(throws: AppendError.empty(streamID: "b")) { try plan.outcomes[1].get() }
    }

    @Test func anyVersionAppendsAfterWhateverIsThere() {
        let plan = AppendPlan(requests: [AppendRequest(streamID: "k", expected: .any, events: [testEvent(1)])],
                              currentHeads: ["k": StreamHead(version: 7, hash: EventHash.genesis)], recordedAt: now)
        #expect(plan.rows.map(\.version) == [8])
    }
}
