import ArgumentParser
import Foundation
import VellumCore
import VellumServer
import VellumStore

/// `vellum clients …`: the OAuth clients.
struct Clients: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage OAuth clients.", subcommands: [Create.self, List.self, Disable.self, Enable.self, RotateSecret.self])

    /// `vellum clients create`: registers a client and prints its secret, once.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a client; prints its id and (for a confidential client) its secret, once.")

        @OptionGroup var database: DatabaseOptions

        @Option(help: "A name shown to users on the consent page.")
        var name: String

        @Option(name: .customLong("redirect-uri"), help: "A redirect URI (repeat for several); compared exactly.")
        var redirectURIs: [String]

        @Option(name: .customLong("post-logout-redirect-uri"),
                help: "Where sign-out may return the browser (repeat for several); compared exactly.")
        var postLogoutRedirectURIs: [String] = []

        @Flag(name: .customLong("public"), help: "A public client (browser or native app): no secret, PKCE required.")
        var isPublic = false

        @Option(name: .customLong("auth-method"), help: "client_secret_basic (default), client_secret_post, or none (public).")
        var authMethod: String?

        @Option(help: "The scope the client may ask for.")
        var scope = "openid profile email"

        @Flag(name: .customLong("refresh-tokens"), help: "Allow the refresh_token grant.")
        var refreshTokens = false

        @Flag(help: "Print one JSON object.")
        var json = false

        func run() async throws {
            let logger = Environment.logger()
            let method = try authMethod.map { text -> ClientAuthenticationMethod in
                guard let method = ClientAuthenticationMethod(rawValue: text) else {
                    throw ValidationError("--auth-method must be client_secret_basic, client_secret_post or none")
                }
                return method
            }
            let parsedScope: Scope
            do { parsedScope = try Scope(parsing: scope) } catch { throw ValidationError("\(error)") }
            let metadata = EventMetadata(instance: Environment.instance, actor: .operator(Environment.operatorName))
            let (name, redirectURIs, isPublic, refreshTokens, logoutURIs) = (name, redirectURIs, isPublic, refreshTokens, postLogoutRedirectURIs)
            let client: Administration.NewClient
            do {
                client = try await Database.using(database.location, logger: logger) { opened in
                    try await opened.withStore(logger: logger) { store in
                        try await Administration.registerClient(
                            name: name, redirectURIs: redirectURIs, isPublic: isPublic, authMethod: method,
                            scope: parsedScope, refreshTokens: refreshTokens, postLogoutRedirectURIs: logoutURIs,
                            store: store, metadata: metadata)
                    }
                }
            } catch let error as ClientRegistrationError {
                throw ValidationError(error.description)
            }
            let clientID = client.clientID
            let secret = client.secret
            let registered = client.registered
            if json {
                var object: [String: String] = ["client_id": clientID, "token_endpoint_auth_method": registered.authMethod.rawValue]
                object["client_secret"] = secret
                try JSONOutput.print(object)
            } else {
                print("client_id:     \(clientID)")
                if let secret { print("client_secret: \(secret)   (shown once: store it now)") }
                print("auth method:   \(registered.authMethod.rawValue)")
            }
        }
    }

    /// `vellum clients list [--json]`: never a secret.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the clients (never a secret).")

        @OptionGroup var database: DatabaseOptions

        @Flag(help: "Print a JSON array.")
        var json = false

        func run() async throws {
            let clients = try await database.withOperatorStore { store, _ in
                try await ProjectionQueries(client: store.client, logger: store.logger).clients()
            }
            if json { return try JSONOutput.print(clients) }
            for client in clients {
                print("\(client.clientID)\t\(client.name)\t\(client.disabled ? "disabled" : "enabled")\t\(client.authMethod)\t"
                      + client.redirectURIs.joined(separator: " "))
            }
        }
    }

    /// `vellum clients disable --client C`.
    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Disable a client: authorization and token requests refused at once, its tokens revoked (ClientDisabled).")

        @OptionGroup var database: DatabaseOptions

        @Option(name: .customLong("client"), help: "The client id.")
        var clientID: String

        func run() async throws {
            let clientID = clientID
            let outcome = try await database.withOperatorStore { store, metadata in
                try await Administration.disableClient(clientID, store: store, metadata: metadata)
            }
            print("\(outcome.changed ? "client disabled" : "client was already disabled"); tokens revoked in \(outcome.revokedFlows.count) flow(s)")
        }
    }

    /// `vellum clients enable --client C`.
    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled client (ClientEnabled).")

        @OptionGroup var database: DatabaseOptions

        @Option(name: .customLong("client"), help: "The client id.")
        var clientID: String

        func run() async throws {
            let clientID = clientID
            let outcome = try await database.withOperatorStore { store, metadata in
                try await Administration.enableClient(clientID, store: store, metadata: metadata)
            }
            print(outcome.changed ? "client enabled" : "client was already enabled")
        }
    }

    /// `vellum clients rotate-secret --client C [--json]`.
    struct RotateSecret: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-secret",
            abstract: "Give a confidential client a new secret, printed once; the old one is refused at once (ClientSecretRotated).")

        @OptionGroup var database: DatabaseOptions

        @Option(name: .customLong("client"), help: "The client id.")
        var clientID: String

        @Flag(help: "Print one JSON object.")
        var json = false

        func run() async throws {
            let clientID = clientID
            let secret = try await database.withOperatorStore { store, metadata in
                try await Administration.rotateClientSecret(clientID, store: store, metadata: metadata)
            }
            if json {
                try JSONOutput.print(["client_id": clientID, "client_secret": secret])
            } else {
                print("client_id:     \(clientID)")
                print("client_secret: \(secret)   (shown once: store it now)")
            }
        }
    }
}
