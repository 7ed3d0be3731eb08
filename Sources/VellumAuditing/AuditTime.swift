public import VellumCore

/// The times an auditor types: RFC 3339 (`2026-11-21T18:00:00Z`) or a date (`2026-11-21`, midnight UTC).
public enum AuditTime {
    public static func parse(_ text: String) -> Timestamp? {
        Timestamp(rfc3339: text) ?? Timestamp(rfc3339: text + "T00:00:00Z")
    }
}
