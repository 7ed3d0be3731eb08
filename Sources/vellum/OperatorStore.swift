import ArgumentParser
import Foundation
import VellumCore
import VellumServer
import VellumStore

extension DatabaseOptions {
    /// Runs `body` with the event store of the configured database and the operator's event
    /// metadata; a refused request becomes a usage error with the reason.
    func withOperatorStore<Result: Sendable>(
        _ body: @Sendable (EventStore, EventMetadata) async throws -> Result
    ) async throws -> Result {
        let logger = Environment.logger()
        let metadata = EventMetadata(instance: Environment.instance, actor: .operator(Environment.operatorName))
        do {
            return try await Database.using(location, logger: logger) { opened in
                try await opened.withStore(logger: logger) { store in try await body(store, metadata) }
            }
        } catch let error as AdministrationError {
            throw ValidationError(error.description)
        }
    }
}

/// Standard output for `--json`: one object or array, keys sorted, built by an encoder.
enum JSONOutput {
    static func print(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        Swift.print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

/// Reads the one line of a `--password-stdin` password, without its line ending.
enum PasswordInput {
    static func read() throws -> String {
        guard var password = readLine(strippingNewline: true) else { throw ValidationError("no password on standard input") }
        if password.hasSuffix("\r") { password.removeLast() }
        return password
    }
}
