import Hummingbird
import HummingbirdTesting
import NIOPosix
import Testing
@testable import VellumServer
import VellumTestSupport

/// `vellum serve` handles each connection on its event loop (``EventLoopChildChannel``).
@Suite("Connections served on their event loops")
struct EventLoopChildChannelTests {
    /// Where a request's handler, and a child task of it, ran: "loop" on an event loop thread.
    static func placementRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("where") { _, _ -> String in
            func here() -> String { MultiThreadedEventLoopGroup.currentEventLoop == nil ? "pool" : "loop" }
            async let child = here()
            let handler = here()
            try await Task.sleep(for: .milliseconds(1))
            return "\(handler) \(await child) \(here())"
        }
        return router
    }

    @Test func handlersAndTheirChildTasksRunOnTheConnectionsEventLoop() async throws {
        let app = Application(router: Self.placementRouter(), server: .http1OnEventLoops(), logger: TestCluster.logger)
        try await app.test(.live) { client in
            for _ in 0..<4 {
                try await client.execute(uri: "/where", method: .get) { response in
                    #expect(String(buffer: response.body) == "loop loop loop")
                }
            }
        }
    }

    /// The control: Hummingbird's own HTTP/1.1 server runs handlers on the cooperative pool.
    @Test func hummingbirdsDefaultRunsThemOnThePool() async throws {
        let app = Application(router: Self.placementRouter(), server: .http1(), logger: TestCluster.logger)
        try await app.test(.live) { client in
            try await client.execute(uri: "/where", method: .get) { response in
                #expect(String(buffer: response.body) == "pool pool pool")
            }
        }
    }
}
