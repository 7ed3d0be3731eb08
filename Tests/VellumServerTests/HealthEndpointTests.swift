import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing
@testable import VellumServer
import VellumTestSupport

@Suite("Health and readiness")
struct HealthEndpointTests {
    @Test func healthAndReadinessAnswerOKWithTheDatabaseUp() async throws {
        let database = try await TestCluster.makeDatabase()
        let app = try buildApplication(configuration: ServerConfiguration(port: 0), database: database,
                                   masterKey: try MasterKey(bytes: [UInt8](repeating: 7, count: 32)), logger: TestCluster.logger)
        try await app.test(.live) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"status":"ok"}"#)
            }
            // Ready once a probe (each given 0.75 s) has been answered: on a machine loaded by the
            // whole suite the first ones, made while the pool opens its connections, may not be.
            var status = HTTPResponse.Status.serviceUnavailable
            for _ in 0..<50 where status != .ok {
                status = try await client.execute(uri: "/readyz", method: .get) { response in
                    #expect(response.headers[.cacheControl] == "no-store")
                    return response.status
                }
                if status != .ok { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(status == .ok)
        }
    }

    @Test func readinessFailsWhenTheDatabaseIsUnreachable() async throws {
        let unreachable = PostgresClient.Configuration(
            unixSocketPath: "/tmp/vellum-no-such-socket/.s.PGSQL.5432", username: "vellum", password: nil, database: "vellum")
        let router = Router()
        let client = PostgresClient(configuration: unreachable, backgroundLogger: TestCluster.logger)
        HealthEndpoints(health: DatabaseHealth(client: client, applicationName: "vellum health test", logger: TestCluster.logger)).register(on: router)
        let app = Application(router: router, services: [client], logger: TestCluster.logger)
        try await app.test(.router) { test in
            try await test.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await test.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body) == #"{"status":"database unavailable"}"#)
            }
        }
    }
}
