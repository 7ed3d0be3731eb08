import ArgumentParser
import Foundation
import VellumCore
import VellumServer
import VellumStore

/// `vellum users …`: the people who log in.
struct Users: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage users.", subcommands: [Create.self])

    /// `vellum users create --username U --password-stdin`.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user; the password is read from standard input.")

        @OptionGroup var database: DatabaseOptions

        @Option(help: "The login name.")
        var username: String

        @Flag(name: .customLong("password-stdin"), help: "Read the password from the first line of standard input (required).")
        var passwordStdin = false

        @Flag(help: "Print one JSON object.")
        var json = false

        func validate() throws {
            guard passwordStdin else { throw ValidationError("pass --password-stdin: passwords are never taken as arguments") }
        }

        func run() async throws {
            let logger = Environment.logger()
            guard var password = readLine(strippingNewline: true) else { throw ValidationError("no password on standard input") }
            if password.hasSuffix("\r") { password.removeLast() }
            let metadata = EventMetadata(instance: Environment.instance, actor: .operator(Environment.operatorName))
            let (username, secret) = (username, password)
            let userID: String
            do {
                userID = try await Database.using(database.location, logger: logger) { opened in
                    try await opened.withStore(logger: logger) { store in
                        try await Administration.createUser(username: username, password: secret, store: store, metadata: metadata)
                    }
                }
            } catch let error as AdministrationError {
                throw ValidationError(error.description)
            }
            print(json ? #"{"user_id":"\#(userID)","username":"\#(username)"}"# : "user_id: \(userID)")
        }
    }
}

