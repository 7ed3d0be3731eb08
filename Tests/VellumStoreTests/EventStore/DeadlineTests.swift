import NIOCore
import NIOPosix
import Synchronization
import Testing
@testable import VellumStore

/// Request deadlines are watched by one repeating timer, not a timer scheduled and cancelled per
/// request from off the event loop (two wake-ups of the loop's thread per request).
@Suite("Deadlines")
struct DeadlineTests {
    @Test func anOperationThatNeverEndsIsAbandonedAtItsDeadline() async throws {
        let started = ContinuousClock.now
        await #expect(throws: DeadlineExceeded.self) {
            _ = try await racingDeadline(.milliseconds(200)) { try await Task.sleep(for: .seconds(600)); return 0 }
        }
        let took = ContinuousClock.now - started
        #expect(took >= .milliseconds(200))
        // A tick after the deadline on an idle machine; a loaded run gets slack.
        #expect(took < .seconds(10), "abandoned after \(took)")
    }

    @Test func anOperationThatEndsInTimeReturnsItsResult() async throws {
        #expect(try await racingDeadline(.seconds(5)) { 42 } == 42)
        await #expect(throws: CancellationError.self) { _ = try await racingDeadline(.seconds(5)) { throw CancellationError() } }
    }

    @Test func aForgottenDeadlineNeverExpiresAndAPassedOneExpiresOnce() async throws {
        let watch = DeadlineWatch(eventLoop: MultiThreadedEventLoopGroup.singleton.next())
        let expired = Mutex<[String]>([])
        let forgotten = watch.watch(until: .now() + .milliseconds(20)) { expired.withLock { $0.append("forgotten") } }
        _ = watch.watch(until: .now() + .milliseconds(20)) { expired.withLock { $0.append("passed") } }
        watch.forget(forgotten)
        for _ in 0..<200 where watch.count > 0 { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: Duration(DeadlineWatch.tick) * 3)
        #expect(expired.withLock { $0 } == ["passed"])
        #expect(watch.count == 0)
    }
}
