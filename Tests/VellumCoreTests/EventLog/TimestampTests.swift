import Foundation
import Testing
import VellumCore

@Suite("Timestamps")
struct TimestampTests {
    @Test func truncatesToTheMicrosecondTowardThePast() {
        #expect(Timestamp(Date(timeIntervalSince1970: 1.0000019)).microsecondsSinceEpoch == 1_000_001)
        #expect(Timestamp(Date(timeIntervalSince1970: -0.0000005)).microsecondsSinceEpoch == -1)
    }

    @Test func printsRFC3339WithMicroseconds() {
        #expect(Timestamp(microsecondsSinceEpoch: 1_700_000_000_123_456).description == "2023-11-14T22:13:20.123456Z")
        #expect(Timestamp(microsecondsSinceEpoch: 5).description == "1970-01-01T00:00:00.000005Z")
        #expect(Timestamp(microsecondsSinceEpoch: -1).description == "1969-12-31T23:59:59.999999Z")
    }

    @Test func ordersByTime() {
        #expect(Timestamp(microsecondsSinceEpoch: 1) < Timestamp(microsecondsSinceEpoch: 2))
    }
}
