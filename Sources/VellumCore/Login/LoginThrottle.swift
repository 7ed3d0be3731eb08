/// Login throttling with exponential back-off, per account and per client IP address.
///
/// Failures are counted from the log (`AuthenticationFailed`, except refusals by the throttle
/// itself) by key: the account as typed — whether or not such a user exists, so that the answer
/// says nothing about which accounts exist — and the client's IP address. A run of failures ends
/// after `window` seconds without one; an account's run also ends at its next password login.
/// Past `threshold` failures, each attempt must wait 2^(failures − threshold) seconds after the
/// last failure, up to `maximumDelay`.
public struct LoginThrottle: Sendable, Equatable {
    /// Failures of one key before attempts must wait.
    public var threshold: Int
    /// The longest wait, in seconds.
    public var maximumDelay: Int64 = 900
    /// Seconds without a failure after which a key's run starts again.
    public static let window: Int64 = 900

    public init(threshold: Int, maximumDelay: Int64 = 900) {
        self.threshold = threshold
        self.maximumDelay = maximumDelay
    }

    /// A key's run of failures: how many, and when the last happened.
    public struct Failures: Sendable, Equatable {
        public var count: Int
        public var last: Timestamp
        public init(count: Int, last: Timestamp) {
            self.count = count
            self.last = last
        }
    }

    /// The key of an account: the username as typed, compared case-insensitively.
    public static func accountKey(_ username: String) -> String { "account:" + username.lowercased() }

    /// The key of a client IP address.
    public static func addressKey(_ address: String) -> String { "ip:" + address }

    /// Seconds the next attempt must still wait, nil when it may go ahead now.
    public func wait(after failures: Failures?, now: Timestamp) -> Int64? {
        guard let failures, failures.count >= threshold,
              now.microsecondsSinceEpoch - failures.last.microsecondsSinceEpoch < Self.window * 1_000_000 else { return nil }
        let exponent = min(failures.count - threshold, 20)
        let delay = min(Int64(1) << exponent, maximumDelay)
        let allowedAt = failures.last.adding(seconds: delay)
        guard now < allowedAt else { return nil }
        return max(1, (allowedAt.microsecondsSinceEpoch - now.microsecondsSinceEpoch + 999_999) / 1_000_000)
    }

    /// The longest wait among `keys`' runs.
    public func wait(after runs: [Failures?], now: Timestamp) -> Int64? {
        runs.compactMap { wait(after: $0, now: now) }.max()
    }
}
