import ArgumentParser
import Foundation
import VellumCore
import VellumServer
import VellumStore

/// `vellum consents …`: the consents users asked Vellum to remember.
struct Consents: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List and revoke remembered consents.", subcommands: [List.self, Revoke.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the consents a user asked to remember.")

        @OptionGroup var database: DatabaseOptions

        @Option(name: .customLong("user"), help: "The username.")
        var username: String

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let logger = Environment.logger()
            let username = username
            let consents = try await Database.using(database.location, logger: logger) { opened in
                try await opened.withStore(logger: logger) { store in
                    try await Administration.rememberedConsents(username: username, store: store)
                }
            }
            if json {
                let objects = consents.map { ["client_id": $0.clientID, "scope": $0.scope.description, "remembered_at": $0.rememberedAt.description] }
                print(String(decoding: try JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys]), as: UTF8.self))
            } else if consents.isEmpty {
                print("no remembered consents for \(username)")
            } else {
                for consent in consents { print("\(consent.clientID)\t\(consent.scope)\t\(consent.rememberedAt)") }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forget a user's consent to a client and revoke every token issued under it.")

        @OptionGroup var database: DatabaseOptions

        @Option(name: .customLong("user"), help: "The username.")
        var username: String

        @Option(name: .customLong("client"), help: "The client id.")
        var clientID: String

        func run() async throws {
            let logger = Environment.logger()
            let (username, clientID) = (username, clientID)
            let metadata = EventMetadata(instance: Environment.instance, actor: .operator(Environment.operatorName))
            let flows = try await Database.using(database.location, logger: logger) { opened in
                try await opened.withStore(logger: logger) { store in
                    try await Administration.revokeConsent(username: username, clientID: clientID, store: store, metadata: metadata)
                }
            }
            print("consent revoked; tokens revoked in \(flows.count) flow(s)")
        }
    }
}
