public import Logging
public import PostgresNIO
public import VellumCore
public import VellumStore

/// `vellum-audit replay` without the command line: find the flow, replay it with the same `evolve`
/// as the live projections, check its chain, render it.
public struct FlowInvestigation: Sendable {
    /// How the replay is printed.
    public enum Format: String, Sendable { case table, json }

    let queries: AuditQueries

    public init(client: PostgresClient, logger: Logger) {
        queries = AuditQueries(client: client, logger: logger)
    }

    /// The rendered replay of the flow `lookup` leads to, as of `asOf` (all of it when nil); nil
    /// when no flow is found.
    public func replay(_ lookup: FlowLookup, asOf: Timestamp?, format: Format) async throws -> String? {
        let stream: String?
        switch lookup {
        case .stream(let id): stream = id
        case .token(let key, let kind): stream = try await queries.flowStream(tokenKey: key, kind: kind)
        }
        guard let stream else { return nil }
        let events = try await queries.flowEvents(stream)
        guard !events.isEmpty else { return nil }
        let steps = try FlowReplay.steps(events, asOf: asOf)
        let chain = Self.chain(try await queries.streamFault(stream))
        let final = try asOf.map { try FlowReplay.state(events, asOf: $0) }
        let flowID = StreamID.flowID(of: stream) ?? stream
        return format == .json
            ? try ReplayOutput.json(flowID: flowID, steps: steps, chain: chain, asOf: asOf, state: final)
            : ReplayOutput.table(flowID: flowID, steps: steps, chain: chain, asOf: asOf, state: final)
    }

    /// The flows of a user or a client started in `[since, until)`, rendered.
    public func flows(user: String?, clientID: String?, since: Timestamp, until: Timestamp, format: Format) async throws -> String {
        let flows = try await queries.flows(user: user, clientID: clientID, since: since, until: until)
        return format == .json ? try ReplayOutput.json(flows: flows) : ReplayOutput.table(flows: flows)
    }

    /// DESIGN.md §7's chain status: `valid`, or `broken at position N (kind)`.
    public static func chain(_ fault: ChainFault?) -> String {
        fault.map { "broken at position \($0.position ?? 0) (\($0.kind.rawValue))" } ?? "valid"
    }
}
