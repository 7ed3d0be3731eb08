public import Foundation

/// An instant with whole-microsecond precision, as PostgreSQL's `timestamptz` stores it.
///
/// Event times are truncated to microseconds before they are hashed and stored, so that the value
/// read back from the database hashes exactly as the value that was written (DESIGN.md §3).
///
/// In JSON it is an RFC 3339 string in UTC with six fractional digits, readable in any export.
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
        RFC3339.format(microseconds: microsecondsSinceEpoch)
    }

    /// Parses RFC 3339 (`2026-11-21T18:51:45Z`, `…45.123456Z`, `…45.5+01:00`); nil when malformed.
    /// Digits past the sixth fractional one are truncated.
    public init?(rfc3339 text: String) {
        var text = text
        guard let micros = text.withUTF8(RFC3339.parse) else { return nil }
        self.init(microsecondsSinceEpoch: micros)
    }

    /// This instant plus `seconds`.
    public func adding(seconds: Int64) -> Timestamp {
        Timestamp(microsecondsSinceEpoch: microsecondsSinceEpoch + seconds * 1_000_000)
    }

    /// Whole seconds since the epoch (JWT `iat`, `exp`), rounded toward the past.
    public var secondsSinceEpoch: Int64 { microsecondsSinceEpoch.floorDivided(by: 1_000_000) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // Written as text; a number (microseconds) is read too. Text first: a failed try costs an error.
        guard let text = try? container.decode(String.self) else {
            self.init(microsecondsSinceEpoch: try container.decode(Int64.self))
            return
        }
        guard let parsed = Timestamp(rfc3339: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 time: \(text)")
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.microsecondsSinceEpoch < rhs.microsecondsSinceEpoch
    }
}
