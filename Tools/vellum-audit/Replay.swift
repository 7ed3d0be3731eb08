import ArgumentParser
import Foundation
import VellumCore
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
        if user != nil || client != nil {
            try await listFlows(asOf: asOf)
            return
        }
        let lookup = try Self.lookup(flow: flow, code: code, token: token)
        let format = format
        let output = try await options.withClient { handle -> String? in
            let queries = AuditQueries(client: handle.client, logger: handle.logger)
            let stream: String?
            switch lookup {
            case .stream(let id): stream = id
            case .token(let key, let kind): stream = try await queries.flowStream(tokenKey: key, kind: kind)
            }
            guard let stream else { return nil }
            let events = try await queries.flowEvents(stream)
            guard !events.isEmpty else { return nil }
            let steps = try FlowReplay.steps(events, asOf: asOf)
            let fault = try await queries.streamFault(stream)
            let chain = fault.map { "broken at position \($0.position ?? 0) (\($0.kind.rawValue))" } ?? "valid"
            let final = try asOf.map { try FlowReplay.state(events, asOf: $0) }
            let flowID = String(stream.dropFirst("flow-".count))
            return format == .json
                ? try ReplayOutput.json(flowID: flowID, steps: steps, chain: chain, asOf: asOf, state: final)
                : ReplayOutput.table(flowID: flowID, steps: steps, chain: chain, asOf: asOf, state: final)
        }
        guard let output else {
            printError("no flow found for the given \(flow != nil ? "id" : code != nil ? "code" : "token")")
            throw ExitCode(2)
        }
        print(output)
    }

    private func listFlows(asOf: Timestamp?) async throws {
        let until = try until.map { try parseTime($0, option: "--until") } ?? asOf ?? Timestamp(Date())
        let since = try since.map { try parseTime($0, option: "--since") } ?? until.adding(seconds: -90 * 86400)
        let (user, client, format) = (user, client, format)
        let flows = try await options.withClient { handle in
            try await AuditQueries(client: handle.client, logger: handle.logger).flows(user: user, clientID: client, since: since, until: until)
        }
        print(format == .json ? try ReplayOutput.json(flows: flows) : ReplayOutput.table(flows: flows))
    }

    enum Lookup {
        case stream(String)
        case token(key: String, kind: String)
    }

    /// What to look the flow up by. A JWT is read (not verified: the auditor holds no key) for its `jti`.
    static func lookup(flow: String?, code: String?, token: String?) throws -> Lookup {
        if let flow {
            let id = flow.hasPrefix("flow-") ? String(flow.dropFirst(5)) : flow
            guard UUID(uuidString: id) != nil else { throw ValidationError("--flow takes the flow's UUID") }
            return .stream("flow-\(id.lowercased())")
        }
        if let code { return .token(key: SecretHash(of: code).hex, kind: "authorization_code") }
        let token = token ?? ""
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 3, let claims = Base64URL.decode(String(parts[1])),
           let object = try? JSONSerialization.jsonObject(with: claims) as? [String: Any], let jti = object["jti"] as? String {
            return .token(key: jti, kind: "access_token")
        }
        return .token(key: SecretHash(of: token).hex, kind: "refresh_token")
    }
}
