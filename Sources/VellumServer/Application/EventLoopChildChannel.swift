import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import VellumStore

/// Serves each HTTP connection on its channel's event loop: `inner` handles the connection (reads
/// its requests, runs the responder, writes its responses) with that loop as its task executor
/// preference (``EventLoopExecutor``), and so does every child task of a handler.
///
/// Hummingbird runs a connection's handling on Swift's cooperative pool: a request then crosses
/// from the connection's thread to the pool, to an appender writer's loop, back to the pool, and
/// back to the loop to be answered, each crossing a wake-up of a thread that waits for a core
/// PostgreSQL shares. On the loop, those hops are jobs queued on the same thread. Measured on two
/// cores (docs/benchmarks.md): the appender 1.3 to 1.7 times as fast at 64 concurrent appends; the HTTP
/// endpoints, whose benchmark there is bound by the CPU it shares with its load generator, within
/// the run-to-run spread.
///
/// The price is Vapor's rule: a handler must not block its loop. Bcrypt, the one slow computation,
/// runs on `NIOThreadPool` (``AuthorizationServer/verifyPassword(_:hash:)``); nothing waits on a
/// future with `wait()`.
struct EventLoopChildChannel<Inner: ServerChildChannel>: ServerChildChannel {
    typealias Value = Inner.Value
    let inner: Inner

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        inner.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopExecutor(value.channel.eventLoop)) {
            await inner.handle(value: value, logger: logger)
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with each connection served on its event loop (``EventLoopChildChannel``).
    static func http1OnEventLoops(configuration: HTTP1Channel.Configuration = .init()) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in EventLoopChildChannel(inner: HTTP1Channel(responder: responder, configuration: configuration)) }
    }
}
