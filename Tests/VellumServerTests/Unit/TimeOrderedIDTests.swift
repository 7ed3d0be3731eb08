import Foundation
import Testing
import VellumCore
@testable import VellumServer

@Suite("Time-ordered ids")
struct TimeOrderedIDTests {
    @Test func areVersion7UUIDsThatSortByTheirMillisecond() throws {
        let start = Timestamp(microsecondsSinceEpoch: 1_764_547_200_000_000)
        let ids = (0..<200).map { TimeOrderedID.uuid(at: start.adding(seconds: Int64($0 / 4))) }
        for id in ids {
            let uuid = try #require(UUID(uuidString: id))
            #expect(id == uuid.uuidString.lowercased())
            #expect(uuid.uuid.6 >> 4 == 7, "version 7")
            #expect(uuid.uuid.8 >> 6 == 0b10, "RFC 9562 variant")
        }
        #expect(Set(ids).count == ids.count, "74 random bits apart within a millisecond")
        let byTime = stride(from: 0, to: ids.count, by: 4).map { ids[$0] }
        #expect(byTime == byTime.sorted(), "ids of later milliseconds sort after earlier ones as text")
        #expect(ids[0].hasPrefix("019ad"), "the first 48 bits are the Unix milliseconds")
    }
}
