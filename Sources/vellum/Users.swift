import ArgumentParser
import Foundation
import HummingbirdBcrypt
import NIOPosix
import VellumCore
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
            guard !username.isEmpty, username.count <= 128, !username.contains(where: { $0.isWhitespace || $0.isNewline }) else {
                throw ValidationError("the username must be 1 to 128 characters without white space")
            }
        }

        func run() async throws {
            let logger = Environment.logger()
            guard var password = readLine(strippingNewline: true) else { throw ValidationError("no password on standard input") }
            if password.hasSuffix("\r") { password.removeLast() }
            guard password.count >= 8 else { throw ValidationError("the password must be at least 8 characters") }
            let secret = password
            let hash = try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(secret, cost: 12) }
            let userID = UUID().uuidString.lowercased()
            let metadata = try EventJSON.encodeValue(EventMetadata(instance: Environment.instance, actor: .operator(Environment.operatorName)))
            let username = username
            try await Database.using(database.location, logger: logger) { opened in
                try await opened.withStore(logger: logger) { store in
                    guard try await ProjectionQueries(client: store.client, logger: logger).user(named: username) == nil else {
                        throw ValidationError("a user named '\(username)' already exists")
                    }
                    try await store.append(to: "user-\(userID)", expected: .noStream, events: [
                        ProposedEvent(type: UserCreated.type,
                                      payload: try EventJSON.encode(UserCreated(userID: userID, username: username, passwordHash: hash)),
                                      metadata: metadata),
                    ])
                }
            }
            print(json ? #"{"user_id":"\#(userID)","username":"\#(username)"}"# : "user_id: \(userID)")
        }
    }
}

/// Secrets made at the command line.
enum CLISecrets {
    static func generate(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64URL.encode((0..<bytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}
