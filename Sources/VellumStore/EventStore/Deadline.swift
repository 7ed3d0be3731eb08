public import NIOCore
public import NIOPosix
import Synchronization

/// An operation outlived its deadline.
public struct DeadlineExceeded: Error {
    public init() {}
}

/// Runs `operation` in a task of its own and returns its result, or throws ``DeadlineExceeded``
/// once `limit` has passed — without waiting for the operation, which may not heed cancellation
/// (a query on a connection the network lost, a lease from a pool that cannot connect). The
/// operation is then cancelled and left to end on its own; its result is dropped.
///
/// A task group cannot do this: it waits for its cancelled child. PostgresNIO (1.33) can leave a
/// query waiting forever: a query written to a connection that closed a moment before is dropped
/// by the closed channel, and its reply promise never completes. Under faults (a database restart,
/// sessions terminated) that froze the appender's writers and the catch-up rounds for good, and
/// with them graceful shutdown (Tests/Faults/fault_run.py).
public func racingDeadline<Result: Sendable>(
    _ limit: Duration, on eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any(),
    _ operation: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    let outcome = Outcome<Result>()
    return try await withCheckedThrowingContinuation { continuation in
        outcome.waiting(continuation)
        let work = Task {
            do { outcome.finish(.success(try await operation())) } catch { outcome.finish(.failure(error)) }
        }
        let timer = eventLoop.scheduleTask(in: .nanoseconds(Int64(limit.components.seconds) * 1_000_000_000
                                                               + limit.components.attoseconds / 1_000_000_000)) {
            if outcome.finish(.failure(DeadlineExceeded())) { work.cancel() }
        }
        outcome.onFinish { timer.cancel() }
    }
}

/// The first of the operation's result and the deadline, handed to the waiting caller once.
private final class Outcome<Result: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Result, any Error>?
        var finished = false
        var onFinish: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    func waiting(_ continuation: CheckedContinuation<Result, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    /// Runs `action` when the outcome is decided (at once if it is).
    func onFinish(_ action: @escaping @Sendable () -> Void) {
        let finished = state.withLock { state in
            if !state.finished { state.onFinish = action }
            return state.finished
        }
        if finished { action() }
    }

    /// Decides the outcome unless it is decided already; returns whether this call decided it.
    @discardableResult
    func finish(_ result: Swift.Result<Result, any Error>) -> Bool {
        typealias Taken = (continuation: CheckedContinuation<Result, any Error>?, action: (@Sendable () -> Void)?)
        let taken: Taken? = state.withLock { state in
            guard !state.finished else { return nil }
            state.finished = true
            defer { state.continuation = nil; state.onFinish = nil }
            return (state.continuation, state.onFinish)
        }
        guard let taken else { return false }
        taken.continuation?.resume(with: result)
        taken.action?()
        return true
    }
}
