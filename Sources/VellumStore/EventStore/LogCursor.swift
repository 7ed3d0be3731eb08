/// A place in the gap-safe order of the whole log, `(tx_id, position)` (DESIGN.md §3).
///
/// Positions are assigned at insert, not at commit, so a reader that followed `position` alone
/// could pass over an event whose transaction commits late. Ordering by the transaction id and
/// reading only below the oldest running transaction never does.
public struct LogCursor: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The transaction id of the last event read.
    public let transactionID: UInt64
    /// The position of the last event read.
    public let position: Int64

    /// A cursor after the event at `position`, written by transaction `transactionID`.
    public init(transactionID: UInt64, position: Int64) {
        self.transactionID = transactionID
        self.position = position
    }

    /// Before the first event.
    public static let start = LogCursor(transactionID: 0, position: 0)

    public static func < (lhs: LogCursor, rhs: LogCursor) -> Bool {
        (lhs.transactionID, lhs.position) < (rhs.transactionID, rhs.position)
    }

    public var description: String { "(\(transactionID), \(position))" }
}
