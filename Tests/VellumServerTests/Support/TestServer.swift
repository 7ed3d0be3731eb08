import Foundation
import Hummingbird
import HummingbirdTesting
import JWTKit
import Logging
import NIOCore
import PostgresNIO
import Testing
import VellumCore
@testable import VellumServer
import VellumStore
import VellumTestSupport

/// A Vellum server on a database of its own, driven over real HTTP, with the store at hand for
/// setting up clients and users and for reading the log.
struct TestServer: Sendable {
    static let masterKey = try! MasterKey(bytes: [UInt8](repeating: 7, count: 32))
    static let password = "correct horse battery staple"
    static let redirectURI = "https://app.example/cb"

    let client: any TestClientProtocol
    let store: EventStore
    let database: PostgresClient.Configuration
    let issuer: String

    /// Runs `body` against a live server (a real listening socket) on a fresh database.
    static func with(
        configure: @Sendable (inout ServerConfiguration) -> Void = { _ in },
        logger: Logger = TestCluster.logger,
        _ body: @Sendable (TestServer) async throws -> Void
    ) async throws {
        let database = try await TestCluster.makeDatabase()
        try await with(database: database, configure: configure, logger: logger, body)
    }

    /// Runs `body` against a live server on `database` (a second instance when one already runs there).
    static func with(
        database: PostgresClient.Configuration,
        configure: @Sendable (inout ServerConfiguration) -> Void = { _ in },
        logger: Logger = TestCluster.logger,
        _ body: @Sendable (TestServer) async throws -> Void
    ) async throws {
        var configuration = ServerConfiguration(port: 0, issuer: "https://vellum.test")
        // Dozens of servers share the test cluster: their readiness probes need not be frequent.
        configuration.readinessProbeInterval = .seconds(2)
        // Its users' hashes are cost 4 (``createUser``): a wrong username must cost what a wrong
        // password does, not a cost-12 hash on the process's two bcrypt threads, which under the
        // whole suite queued logins past the request timeout (503).
        configuration.decoyPasswordCost = 4
        // Dozens of servers share two cores with the cluster: a login queued for the process's
        // bcrypt threads was seen to outlast the 5 s default and answer 503. The deadline itself
        // is tested with its own bound (OutageTests).
        configuration.requestTimeout = .seconds(30)
        configure(&configuration)
        let app = try buildApplication(configuration: configuration, database: database, masterKey: masterKey, logger: logger)
        let issuer = configuration.issuer
        try await withRunningStore(configuration: database) { store in
            try await app.test(.live) { client in
                try await body(TestServer(client: client, store: store, database: database, issuer: issuer))
            }
        }
    }

    var operatorMetadata: EventMetadata { EventMetadata(instance: "tests", actor: .operator("tests")) }

    /// Registers a client; returns its id and secret.
    func registerClient(
        isPublic: Bool = false, authMethod: ClientAuthenticationMethod? = nil, scope: String = "openid profile email",
        redirectURIs: [String] = [TestServer.redirectURI], refreshTokens: Bool = false, postLogoutRedirectURIs: [String] = []
    ) async throws -> Administration.NewClient {
        try await Administration.registerClient(
            name: "Test <App>", redirectURIs: redirectURIs, isPublic: isPublic, authMethod: authMethod,
            scope: try Scope(parsing: scope), refreshTokens: refreshTokens, postLogoutRedirectURIs: postLogoutRedirectURIs,
            store: store, metadata: operatorMetadata)
    }

    /// Creates user `username` with ``password`` (bcrypt cost 4 to keep tests quick).
    @discardableResult
    func createUser(_ username: String = "alice") async throws -> String {
        try await Administration.createUser(
            username: username, password: Self.password, store: store, metadata: operatorMetadata, bcryptCost: 4)
    }

    /// The types of `flowID`'s events, in order.
    func flowEventTypes(_ flowID: String) async throws -> [String] {
        try await store.readStream("flow-\(flowID)").map(\.type)
    }
}
