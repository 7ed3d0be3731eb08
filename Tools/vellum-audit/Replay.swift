import ArgumentParser
import Foundation
import VellumCore
import VellumAuditing
import VellumStore

/// `vellum-audit replay`: a flow step by step, from its id, a raw code, or a raw token (an
/// investigator often holds only a leaked token); or the flows of a user or a client.
struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay a flow step by step, or list the flows of a user or client.",
        discussion: "Exactly one of --flow, --code, --token, --user, --client.")

    @OptionGroup var options: AuditOptions

    @Option(help: "The flow's UUID, with or without the flow- prefix.")
    var flow: String?

    @Option(help: "A raw authorization code.")
    var code: String?

    @Option(help: "A raw access token (JWT) or refresh token.")
    var token: String?

    @Option(help: "A username or user id: list their flows.")
    var user: String?

    @Option(help: "A client id: list its flows.")
    var client: String?

    @Option(name: .customLong("as-of"), help: "Show the state at this instant (RFC 3339).")
    var asOf: String?

    @Option(help: "With --user/--client: flows started at or after this time (default: 90 days ago).")
    var since: String?

    @Option(help: "With --user/--client: flows started before this time (default: now).")
    var until: String?

    @Option(help: "table or json.")
    var format: OutputFormat = .table

    enum OutputFormat: String, ExpressibleByArgument { case table, json }

    func validate() throws {
        let chosen = [flow, code, token, user, client].compactMap { $0 }
        guard chosen.count == 1 else { throw ValidationError("give exactly one of --flow, --code, --token, --user, --client") }
    }

    func run() async throws {
        let asOf = try asOf.map { try parseTime($0, option: "--as-of") }
        let format = FlowInvestigation.Format(rawValue: format.rawValue) ?? .table
        if user != nil || client != nil {
            let until = try until.map { try parseTime($0, option: "--until") } ?? asOf ?? Timestamp(Date())
            let since = try since.map { try parseTime($0, option: "--since") } ?? until.adding(seconds: -90 * 86400)
            let (user, client) = (user, client)
            print(try await options.withClient { handle in
                try await FlowInvestigation(client: handle.client, logger: handle.logger)
                    .flows(user: user, clientID: client, since: since, until: until, format: format)
            })
            return
        }
        let lookup: FlowLookup
        do { lookup = try FlowLookup.parse(flow: flow, code: code, token: token) } catch { throw ValidationError(error.description) }
        let output = try await options.withClient { handle in
            try await FlowInvestigation(client: handle.client, logger: handle.logger).replay(lookup, asOf: asOf, format: format)
        }
        guard let output else {
            printError("no flow found for the given \(flow != nil ? "id" : code != nil ? "code" : "token")")
            throw ExitCode(2)
        }
        print(output)
    }
}
