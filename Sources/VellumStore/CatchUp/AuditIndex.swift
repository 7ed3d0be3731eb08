public import Logging
public import PostgresNIO
import VellumCore

/// The auditors' search indexes (DESIGN.md §4): `audit_tokens` maps every code, access token and
/// refresh token ever issued to its flow; `audit_flows` lists flows by user, client, IP and time
/// with their latest outcome. A catch-up projection: it follows the log asynchronously, and each
/// batch is a handful of set-based statements.
public struct AuditIndex: CatchUpProjection {
    public let name = "audit_index"

    public init() {}

    /// What one batch writes.
    struct Batch {
        struct Flow {
            var started: (clientID: String, remoteIP: String?, at: Timestamp)?
            var userID: String?
            var username: String?
            var outcome: String
            var updatedAt: Timestamp
        }

        var flows: [String: Flow] = [:]
        var flowOrder: [String] = []
        var tokens: [(key: String, kind: String, flowID: String)] = []

        mutating func add(_ event: RecordedEvent) throws {
            guard let flowID = StreamID.flowID(of: event.streamID),
                  let flowEvent = try FlowEvent(type: event.type, payload: event.payload) else { return }
            if flows[flowID] == nil {
                flows[flowID] = Flow(outcome: "", updatedAt: event.recordedAt)
                flowOrder.append(flowID)
            }
            var flow = flows[flowID]!
            flow.updatedAt = event.recordedAt
            switch flowEvent {
            case .requested(let requested):
                let metadata = try? EventJSON.decodeValue(EventMetadata.self, from: event.metadata)
                flow.started = (requested.clientID, metadata?.remoteIP, event.recordedAt)
                flow.outcome = "requested"
            case .authenticated(let user):
                flow.userID = user.userID
                flow.username = user.username
                flow.outcome = "authenticated"
            case .authenticationFailed(let failed):
                flow.username = flow.username ?? failed.username
                flow.outcome = "login_failed"
            case .consentGranted: flow.outcome = "consented"
            case .consentDenied: flow.outcome = "denied"
            case .codeIssued(let code):
                tokens.append((code.codeHash.hex, "authorization_code", flowID))
                flow.outcome = "code_issued"
            case .codeRedeemed: flow.outcome = "code_redeemed"
            case .codeRejected(let rejected): flow.outcome = "code_rejected:\(rejected.reason.rawValue)"
            case .tokensIssued(let issued):
                tokens.append((issued.accessTokenID, "access_token", flowID))
                if let refresh = issued.refreshToken { tokens.append((refresh.hash.hex, "refresh_token", flowID)) }
                flow.outcome = "tokens_issued"
            case .tokensRevoked(let revoked): flow.outcome = "revoked:\(revoked.reason)"
            case .refreshRotated: flow.outcome = "refreshed"
            case .refreshRejected(let rejected): flow.outcome = "refresh_rejected:\(rejected.reason)"
            case .refreshReuseDetected: flow.outcome = "refresh_reuse"
            }
            flows[flowID] = flow
        }
    }

    public func apply(_ events: [RecordedEvent], on connection: PostgresConnection, logger: Logger) async throws {
        try await write(batch(for: events, logger: logger), on: connection, logger: logger)
    }

    /// What `events` add to the index (decoding only; nothing is written).
    func batch(for events: [RecordedEvent], logger: Logger) -> Batch {
        var batch = Batch()
        for event in events {
            do {
                try batch.add(event)
            } catch {
                // A poison event (a payload this version cannot decode) is reported and skipped: the
                // index goes on, and verify and replay still read the event from the log itself.
                logger.error("audit index skipped an event it cannot decode", metadata: [
                    "position": "\(event.position)", "stream": "\(event.streamID)", "type": "\(event.type)",
                    "error": "\(String(reflecting: error))"])
            }
        }
        return batch
    }

    /// Writes a batch on the caller's transaction.
    func write(_ batch: Batch, on connection: PostgresConnection, logger: Logger) async throws {
        guard !batch.flowOrder.isEmpty else { return }

        let started = batch.flowOrder.compactMap { id in batch.flows[id]!.started.map { (id, $0) } }
        if !started.isEmpty {
            try await connection.query("""
                INSERT INTO audit_flows (flow_id, client_id, remote_ip, started_at, updated_at, outcome)
                SELECT f, c, NULLIF(ip, ''), vellum_ts(s), vellum_ts(s), 'requested'
                FROM unnest(\(started.map(\.0))::text[], \(started.map(\.1.clientID))::text[], \(started.map { $0.1.remoteIP ?? "" })::text[],
                            \(started.map(\.1.at.microsecondsSinceEpoch))::int8[]) AS x(f, c, ip, s)
                ON CONFLICT (flow_id) DO NOTHING
                """, logger: logger)
        }
        let flows = batch.flowOrder.map { ($0, batch.flows[$0]!) }
        try await connection.query("""
            UPDATE audit_flows SET user_id = COALESCE(NULLIF(x.u, ''), audit_flows.user_id),
                                   username = COALESCE(NULLIF(x.n, ''), audit_flows.username),
                                   outcome = x.o, updated_at = vellum_ts(x.t)
            FROM unnest(\(flows.map(\.0))::text[], \(flows.map { $0.1.userID ?? "" })::text[], \(flows.map { $0.1.username ?? "" })::text[],
                        \(flows.map(\.1.outcome))::text[], \(flows.map(\.1.updatedAt.microsecondsSinceEpoch))::int8[]) AS x(f, u, n, o, t)
            -- The ANY keeps the plan on the primary key however the table's size is estimated.
            WHERE audit_flows.flow_id = ANY(\(flows.map(\.0))::text[]) AND audit_flows.flow_id = x.f
            """, logger: logger)
        if !batch.tokens.isEmpty {
            try await connection.query("""
                INSERT INTO audit_tokens (token_key, kind, flow_id)
                SELECT * FROM unnest(\(batch.tokens.map(\.key))::text[], \(batch.tokens.map(\.kind))::text[],
                                     \(batch.tokens.map(\.flowID))::text[])
                ON CONFLICT (token_key) DO NOTHING
                """, logger: logger)
        }
    }
}
