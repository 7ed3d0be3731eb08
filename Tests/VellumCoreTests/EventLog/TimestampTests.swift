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

@Suite("RFC 3339 times")
struct RFC3339Tests {
    @Test func parsesEveryFormTheDocsAccept() {
        #expect(Timestamp(rfc3339: "2023-11-14T22:13:20Z")?.microsecondsSinceEpoch == 1_700_000_000_000_000)
        #expect(Timestamp(rfc3339: "2023-11-14t22:13:20.123456z")?.microsecondsSinceEpoch == 1_700_000_000_123_456)
        #expect(Timestamp(rfc3339: "2023-11-14 22:13:20.5Z")?.microsecondsSinceEpoch == 1_700_000_000_500_000)
        #expect(Timestamp(rfc3339: "2023-11-14T22:13:20.1234569Z")?.microsecondsSinceEpoch == 1_700_000_000_123_456)
        #expect(Timestamp(rfc3339: "2023-11-14T23:43:20+01:30")?.microsecondsSinceEpoch == 1_700_000_000_000_000)
        #expect(Timestamp(rfc3339: "2023-11-14T17:13:20-05:00")?.microsecondsSinceEpoch == 1_700_000_000_000_000)
        #expect(Timestamp(rfc3339: "1969-12-31T23:59:59.999999Z")?.microsecondsSinceEpoch == -1)
        #expect(Timestamp(rfc3339: "2024-02-29T00:00:00Z") != nil)
    }

    @Test func refusesWhatIsNotADateAndTime() {
        for text in ["2026-11-21", "2026-11-21T18:51Z", "2026-13-01T00:00:00Z", "2023-02-29T00:00:00Z", "2026-11-31T00:00:00Z",
                     "2026-11-21T24:00:00Z", "2026-11-21T18:60:00Z", "2026-11-21T18:51:45", "2026-11-21T18:51:45.Z",
                     "2026-11-21T18:51:45+0100", "2026-11-21T18:51:45Zx", "２026-11-21T18:51:45Z", ""] {
            #expect(Timestamp(rfc3339: text) == nil, "\(text)")
        }
    }

    @Test func roundTripsAcrossCenturiesAndLeapDays() {
        // Every day from 1900 to 2100 at a varying time of day, against the calendar Foundation keeps.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for day in stride(from: Int64(-25_567), through: 47_482, by: 1) {
            let micros = day * 86_400_000_000 + (day * 7_919_000_003) % 86_400_000_000
            let timestamp = Timestamp(microsecondsSinceEpoch: micros)
            #expect(Timestamp(rfc3339: timestamp.description) == timestamp)
            if day % 997 == 0 {
                let parts = calendar.dateComponents([.year, .month, .day], from: timestamp.date)
                #expect(timestamp.description.hasPrefix(String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)))
            }
        }
    }
}
