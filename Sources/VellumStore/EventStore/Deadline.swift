public import NIOCore
public import PostgresNIO
public import NIOPosix
import Synchronization

/// An operation outlived its deadline.
public struct DeadlineExceeded: Error {
    public init() {}
}

/// Runs `operation` in a task of its own and returns its result, or throws ``DeadlineExceeded``
/// once `limit` has passed (within ``DeadlineWatch/tick``) — without waiting for the operation,
/// which may not heed cancellation (a query on a connection the network lost, a lease from a pool
/// that cannot connect). The operation is left to end on its own, not cancelled (PostgresNIO's
/// row streams were seen to trap when a fault hit a stream whose task had been cancelled); its
/// result is dropped.
///
/// A task group cannot do this: it waits for its cancelled child. PostgresNIO (1.33) can leave a
/// query waiting forever: a query written to a connection that closed a moment before is dropped
/// by the closed channel, and its reply promise never completes. Under faults (a database restart,
/// sessions terminated) that froze the appender's writers and the catch-up rounds for good, and
/// with them graceful shutdown (Tests/Faults/fault_run.py).
public func racingDeadline<Result: Sendable>(
    _ limit: Duration, _ operation: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    let outcome = Outcome<Result>()
    return try await withCheckedThrowingContinuation { continuation in
        outcome.waiting(continuation)
        Task {
            do { outcome.finish(.success(try await operation())) } catch { outcome.finish(.failure(error)) }
        }
        let deadline = NIODeadline.now() + TimeAmount(limit)
        let watched = DeadlineWatch.shared.watch(until: deadline) { outcome.finish(.failure(DeadlineExceeded())) }
        outcome.onFinish { DeadlineWatch.shared.forget(watched) }
    }
}

/// The deadlines ``racingDeadline(_:_:)`` races, looked at by one repeating timer every ``tick``
/// instead of a timer per operation: scheduling a timer on an event loop from another thread, then
/// cancelling it, woke that loop's thread twice per request (an `eventfd` write each), ~3 % of an
/// introspection's server CPU (`perf record`). A deadline is met within a tick of it, 50 ms
/// against limits of a second and more.
final class DeadlineWatch: Sendable {
    static let shared = DeadlineWatch(eventLoop: MultiThreadedEventLoopGroup.singleton.next())
    static let tick: TimeAmount = .milliseconds(50)

    private struct State {
        var lastID: UInt64 = 0
        var watched: [UInt64: (deadline: NIODeadline, expire: @Sendable () -> Void)] = [:]
    }

    private final class Watched: Sendable {
        let state = Mutex(State())
    }

    private let watched = Watched()
    private let timer: RepeatedTask

    init(eventLoop: any EventLoop) {
        timer = eventLoop.scheduleRepeatedTask(initialDelay: Self.tick, delay: Self.tick) { [watched] _ in
            let now = NIODeadline.now()
            let expired = watched.state.withLock { state -> [@Sendable () -> Void] in
                let due = state.watched.filter { $0.value.deadline <= now }
                for id in due.keys { state.watched[id] = nil }
                return due.values.map(\.expire)
            }
            expired.forEach { $0() }
        }
    }

    /// Calls `expire` once `deadline` has passed, unless ``forget(_:)`` is told the returned id first.
    func watch(until deadline: NIODeadline, expire: @escaping @Sendable () -> Void) -> UInt64 {
        watched.state.withLock { state in
            state.lastID += 1
            state.watched[state.lastID] = (deadline, expire)
            return state.lastID
        }
    }

    func forget(_ id: UInt64) {
        _ = watched.state.withLock { $0.watched.removeValue(forKey: id) }
    }

    /// How many deadlines are watched.
    var count: Int { watched.state.withLock { $0.watched.count } }

    deinit { timer.cancel() }
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

/// The outcome of `work`, which runs on the connection `connection` names: awaited as long as that
/// connection is open, and abandoned with ``DeadlineExceeded`` once it has been closed for a moment
/// (``closedGrace``). A statement on a connection that closed under it may never end (PostgresNIO
/// 1.33 drops what is written to a closed channel) and can no longer commit (the database rolls
/// back the transaction of a connection that is gone); one that fails as it should does so at
/// once. An open connection is waited for, so that a caller who retries knows whether the first
/// attempt committed. (Looked at only past a 10 s limit, a statement that hung in a database
/// restart held a sealing round, and with it the shipping of checkpoints, for the round's 30 s.)
///
/// One task awaits `work` and one repeating check looks at the connection every ``closedGrace``
/// (abandoning it when two checks in a row find it closed): a long statement is not awaited again
/// by a new task at every check.
public func outcome<Result: Sendable>(
    of work: Task<Result, any Error>, unlessClosed connection: ConnectionInUse,
    on eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any()
) async throws -> Result {
    let outcome = Outcome<Result>()
    return try await withCheckedThrowingContinuation { continuation in
        outcome.waiting(continuation)
        Task {
            do { outcome.finish(.success(try await work.value)) } catch { outcome.finish(.failure(error)) }
        }
        let closedBefore = Mutex(false)
        let check = eventLoop.scheduleRepeatedTask(initialDelay: closedGrace, delay: closedGrace) { _ in
            let closed = connection.isClosed
            if closedBefore.withLock({ before in defer { before = closed }; return before && closed }) {
                outcome.finish(.failure(DeadlineExceeded()))
            }
        }
        outcome.onFinish { check.cancel() }
    }
}

/// How long a statement whose connection has closed is still waited for, at least, before it is abandoned.
let closedGrace: TimeAmount = .milliseconds(500)

/// Runs `body` on a connection of `client`'s, waiting for it only while that connection is open
/// (``outcome(of:unlessClosed:)``).
public func withConnection<Result: Sendable>(
    of client: PostgresClient, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
) async throws -> Result {
    let inUse = ConnectionInUse()
    let work = Task {
        try await client.withConnection { connection in
            inUse.set(connection)
            return try await body(connection)
        }
    }
    return try await outcome(of: work, unlessClosed: inUse)
}

/// The connection an operation runs on, for its deadline to look at.
public final class ConnectionInUse: Sendable {
    private let connection = Mutex<PostgresConnection?>(nil)

    public init() {}

    func set(_ connection: PostgresConnection) { self.connection.withLock { $0 = connection } }

    /// Whether the connection it last used has closed.
    var isClosed: Bool { connection.withLock { $0?.isClosed ?? false } }
}

/// The moment by which the request being served must be answered (set by the server's deadline
/// responder, `VELLUM_REQUEST_TIMEOUT`). Past it the client has heard 503, and any decision still
/// to be appended on its behalf is stale: a late redemption of a code that the client, told to
/// retry, redeemed again elsewhere would revoke the tokens the retry handed out. The appender
/// drops a request whose deadline has passed before a transaction takes it (``AppendError/expired(streamID:)``).
public enum RequestDeadline {
    @TaskLocal public static var current: ContinuousClock.Instant?
}
