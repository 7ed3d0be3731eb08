public import Foundation

/// An instant with whole-microsecond precision, as PostgreSQL's `timestamptz` stores it.
///
/// Event times are truncated to microseconds before they are hashed and stored, so that the value
/// read back from the database hashes exactly as the value that was written (DESIGN.md §3).
public struct Timestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public let microsecondsSinceEpoch: Int64

    /// An instant from its count of microseconds since the Unix epoch.
    public init(microsecondsSinceEpoch: Int64) {
        self.microsecondsSinceEpoch = microsecondsSinceEpoch
    }

    /// The instant `date`, truncated toward the past to a whole microsecond.
    public init(_ date: Date) {
        let microseconds = (date.timeIntervalSince1970 * 1_000_000).rounded(.down)
        self.microsecondsSinceEpoch = Int64(microseconds)
    }

    /// The same instant as a `Date` (exact to within a `Double`'s precision).
    public var date: Date {
        Date(timeIntervalSince1970: Double(microsecondsSinceEpoch) / 1_000_000)
    }

    /// RFC 3339 with microseconds, in UTC: `2026-11-21T18:51:45.123456Z`.
    public var description: String {
        let seconds = microsecondsSinceEpoch.floorDivided(by: 1_000_000)
        let micros = microsecondsSinceEpoch - seconds * 1_000_000
        let whole = Date(timeIntervalSince1970: Double(seconds))
        let base = whole.formatted(.iso8601)  // 2026-11-21T18:51:45Z
        let fraction = String(micros).leftPadded(to: 6)
        return "\(base.dropLast()).\(fraction)Z"
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.microsecondsSinceEpoch < rhs.microsecondsSinceEpoch
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor < 0) ? quotient - 1 : quotient
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
