import Testing
@testable import VellumCore

/// The process's caches (flow states, stream heads, verified access tokens) forgot everything when
/// full, so the entry written just before the limit was gone when it was asked for a moment later.
@Suite("Recent entries: a bounded map without a cliff")
struct RecentEntriesTests {
    @Test func theLastHalfCapacityEntriesWrittenAreAlwaysKeptAndNeverMoreThanTheCapacity() {
        var entries = RecentEntries<Int, String>(capacity: 8)
        for key in 0..<25 {
            entries.keep("v\(key)", for: key)
            for recent in max(0, key - 3)...key {
                #expect(entries.peek(recent) == "v\(recent)", "entry \(recent) after writing \(key)")
            }
            #expect(entries.count <= 8)
        }
    }

    @Test func olderGenerationsAreForgotten() {
        var entries = RecentEntries<Int, Int>(capacity: 4)
        for key in 0..<6 { entries.keep(key, for: key) }
        #expect(entries.peek(0) == nil)
        #expect(entries.peek(1) == nil)
        #expect(entries.count == 4)
    }

    @Test func anEntryAskedForOutlivesItsGeneration() {
        var entries = RecentEntries<String, Int>(capacity: 4)
        entries.keep(1, for: "used")
        entries.keep(2, for: "idle")
        entries.keep(3, for: "a")
        #expect(entries.value(for: "used") == 1)
        entries.keep(4, for: "b")
        entries.keep(5, for: "c")
        #expect(entries.peek("used") == 1)
        #expect(entries.peek("idle") == nil)
    }

    @Test func rewritingAnEntryReplacesItWithoutGrowing() {
        var entries = RecentEntries<String, Int>(capacity: 4)
        entries.keep(1, for: "x")
        entries.keep(2, for: "y")
        entries.keep(3, for: "z")
        entries.keep(4, for: "x")
        #expect(entries.peek("x") == 4)
        #expect(entries.count == 3)
        entries.forget("x")
        #expect(entries.peek("x") == nil)
    }
}
