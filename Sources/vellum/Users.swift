import ArgumentParser
import Foundation
import VellumCore
import VellumServer
import VellumStore

/// `vellum users …`: the people who log in. `--user` takes a user id or a username.
struct Users: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage users.", subcommands: [Create.self, List.self, Disable.self, Enable.self, SetPassword.self])

    /// `vellum users create --username U --password-stdin`.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user; the password is read from standard input.")

        @OptionGroup var database: DatabaseOptions

        @Option(help: "The login name.")
        var username: String

        /// Required, and shown so in the usage line: passwords are never taken as arguments.
        @Flag var password: PasswordSource

        @Flag(help: "Print one JSON object.")
        var json = false

        func run() async throws {
            let (username, password) = (username, try PasswordInput.read())
            let userID = try await database.withOperatorStore { store, metadata in
                try await Administration.createUser(username: username, password: password, store: store, metadata: metadata)
            }
            if json {
                try JSONOutput.print(["user_id": userID, "username": username])
            } else {
                print("user_id: \(userID)")
            }
        }
    }

    /// `vellum users list [--json]`: never a password or its hash.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the users (never a credential).")

        @OptionGroup var database: DatabaseOptions

        @Flag(help: "Print a JSON array.")
        var json = false

        func run() async throws {
            let users = try await database.withOperatorStore { store, _ in
                try await ProjectionQueries(client: store.client, logger: store.logger).users()
            }
            if json { return try JSONOutput.print(users) }
            for user in users {
                print("\(user.userID)\t\(user.username)\t\(user.disabled ? "disabled" : "enabled")\t\(user.createdAt)")
            }
        }
    }

    /// `vellum users disable --user U`.
    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Disable a user: logins refused, browser sessions ended, tokens revoked (UserDisabled).")

        @OptionGroup var database: DatabaseOptions

        @Option(name: .customLong("user"), help: "The user id or username.")
        var user: String

        func run() async throws {
            let user = user
            let outcome = try await database.withOperatorStore { store, metadata in
                try await Administration.disableUser(user, store: store, metadata: metadata)
            }
            print("\(outcome.changed ? "user disabled" : "user was already disabled"); "
                  + "\(outcome.endedSessions.count) session(s) ended; tokens revoked in \(outcome.revokedFlows.count) flow(s)")
        }
    }

    /// `vellum users enable --user U`.
    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let a disabled user log in again (UserEnabled).")

        @OptionGroup var database: DatabaseOptions

        @Option(name: .customLong("user"), help: "The user id or username.")
        var user: String

        func run() async throws {
            let user = user
            let outcome = try await database.withOperatorStore { store, metadata in
                try await Administration.enableUser(user, store: store, metadata: metadata)
            }
            print(outcome.changed ? "user enabled" : "user was already enabled")
        }
    }

    /// `vellum users set-password --user U --password-stdin`.
    struct SetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-password",
            abstract: "Set a user's password from standard input: the old one is refused at once and sessions end (PasswordChanged).")

        @OptionGroup var database: DatabaseOptions

        @Option(name: .customLong("user"), help: "The user id or username.")
        var user: String

        /// Required, and shown so in the usage line: passwords are never taken as arguments.
        @Flag var password: PasswordSource

        func run() async throws {
            let (user, password) = (user, try PasswordInput.read())
            let outcome = try await database.withOperatorStore { store, metadata in
                try await Administration.setPassword(user, password: password, store: store, metadata: metadata)
            }
            print("password changed; \(outcome.endedSessions.count) session(s) ended")
        }
    }
}

/// Where a password comes from: standard input only (`--password-stdin`).
enum PasswordSource: String, EnumerableFlag {
    case passwordStdin

    static func name(for value: PasswordSource) -> NameSpecification { .customLong("password-stdin") }

    static func help(for value: PasswordSource) -> ArgumentHelp? {
        "Read the password from the first line of standard input (required: passwords are never taken as arguments)."
    }
}
