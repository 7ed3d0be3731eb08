import Foundation
import Testing
@testable import VellumServer
import VellumStore
import VellumTestSupport

/// How `vellum serve` holds its database connections (``ServerConfiguration/keepsConnectionsOpen``).
@Suite("The server's database pools")
struct DatabasePoolTests {
    /// Both pools open every connection at start and keep it: a pool that closed idle connections
    /// armed an idle timer and a keep-alive timer each time a query gave its connection back, and
    /// each cancelled timer lived on until its deadline (docs/performance.md).
    @Test func aServerHoldsEveryConnectionOfBothPoolsOpen() async throws {
        let database = try await TestCluster.makeDatabase()
        let instance = "pools-\(UUID().uuidString.prefix(8))"
        let expected = database.options.maximumConnections + BatchingAppender.poolConfiguration(from: database).options.maximumConnections
        try await TestServer.with(database: database, configure: {
            $0.instanceID = instance
            $0.keepsConnectionsOpen = true
        }) { server in
            @Sendable func held() async throws -> Int {
                let rows = try await server.store.client.query(
                    "SELECT count(*)::int8 FROM pg_stat_activity WHERE application_name = \("vellum \(instance)")")
                for try await count in rows.decode(Int64.self) { return Int(count) }
                return 0
            }
            var count = try await held()
            let deadline = ContinuousClock.now + .seconds(10)
            while count < expected, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                count = try await held()
            }
            #expect(count == expected, "\(count) connections held, not the pools' \(expected)")

            // Requests lease and give back connections; none is closed or added.
            let client = try await server.registerClient()
            try await server.createUser()
            var browser = Browser(server)
            _ = try await server.tokens(for: client, browser: &browser)
            #expect(try await held() == expected)
        }
    }
}
