package import NIOCore
import PostgresNIO

/// Runs a task's jobs on one event loop (as its task executor preference): work on a connection
/// then happens on the thread that writes and reads that connection's socket. A statement is
/// written without a hop to that thread, and its reply resumes the task there without waking
/// another.
package final class EventLoopExecutor: TaskExecutor {
    package let eventLoop: any EventLoop

    package init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// A held connection (one a writer keeps across statements) could not take the next statement:
/// it has closed, or the check ran off its event loop where it proves nothing. Nothing was written.
struct HeldConnectionUnusable: Error {}

extension PostgresConnection {
    /// Runs `body` on this connection's event loop (``EventLoopExecutor``).
    func onItsEventLoop<Result>(_ body: () async throws -> Result) async rethrows -> Result {
        try await withTaskExecutorPreference(EventLoopExecutor(eventLoop), operation: body)
    }

    /// Throws ``HeldConnectionUnusable`` unless this connection is open, checked on its event loop.
    ///
    /// PostgresNIO (1.33) drops a statement written to a channel that has closed and never
    /// completes it (``outcome(of:unlessClosed:)``). A channel closes only on its event loop, so
    /// there, a statement written right after this check (with no suspension between, as
    /// PostgresNIO's `execute` writes before its first) reaches an open channel, and a close after
    /// that fails the statement instead of losing it.
    func ensureOpenForNextStatement() throws {
        guard eventLoop.inEventLoop, !isClosed else { throw HeldConnectionUnusable() }
    }
}
