import ArgumentParser
import NIOPosix
import VellumStore

/// Where a benchmark's concurrent tasks run. By default on the event loops, in turn, as
/// `vellum serve` runs its request handlers (each connection's on its loop); `pool` runs them on
/// Swift's cooperative pool, where they ran before, to compare.
enum TaskPlacement: String, ExpressibleByArgument, CaseIterable, Sendable {
    case eventLoops = "event-loops"
    case pool

    /// The executor preference for the next task: the next event loop of the group the server and
    /// the database clients use, or none.
    func nextExecutor() -> (any TaskExecutor)? {
        switch self {
        case .eventLoops: EventLoopExecutor(MultiThreadedEventLoopGroup.singleton.next())
        case .pool: nil
        }
    }
}
