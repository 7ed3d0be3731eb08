import Foundation
import Synchronization
import VellumCore

/// A clock that stands still until a test moves it, so that no test sleeps to let time pass.
/// It starts at the wall clock's current second, so recorded times still look like today.
final class ManualClock: Sendable {
    private let microseconds: Mutex<Int64>

    init(start: Timestamp = Timestamp(microsecondsSinceEpoch: Timestamp(Date()).secondsSinceEpoch * 1_000_000)) {
        microseconds = Mutex(start.microsecondsSinceEpoch)
    }

    /// The current time: give `clock.read` to `ServerConfiguration.clock`.
    @Sendable func read() -> Timestamp {
        Timestamp(microsecondsSinceEpoch: microseconds.withLock { $0 })
    }

    /// Moves the clock forward.
    func advance(seconds: Int64) {
        microseconds.withLock { $0 += seconds * 1_000_000 }
    }
}
