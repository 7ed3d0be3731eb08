import Testing
import VellumCore
@testable import VellumServer

/// A code is redeemed moments after it is issued; the cache forgot every flow when it filled, so
/// the flows issued just before were re-read and re-decoded from the log on redemption.
@Suite("Flow state cache")
struct FlowStateCacheTests {
    @Test func theFlowsKeptLastSurviveTheCacheFilling() {
        let cache = FlowStateCache(capacity: 6)
        for flow in 0..<10 {
            cache.keep("flow-\(flow)", version: 1, state: FlowState())
            #expect(cache.entry("flow-\(flow)") != nil)
            if flow > 0 { #expect(cache.entry("flow-\(flow - 1)") != nil, "flow \(flow - 1) after keeping \(flow)") }
        }
        #expect(cache.count <= 6)
    }

    @Test func anOlderVersionNeverReplacesANewerOne() {
        let cache = FlowStateCache(capacity: 3)
        cache.keep("flow-a", version: 5, state: FlowState())
        cache.keep("flow-a", version: 3, state: FlowState())
        #expect(cache.entry("flow-a")?.version == 5)
    }
}
