public import Logging
public import PostgresNIO
public import VellumCore

/// A flow as the audit index lists it.
public struct AuditedFlow: Sendable, Equatable, Codable {
    public let flowID: String
    public let clientID: String
    public let userID: String?
    public let username: String?
    public let remoteIP: String?
    public let startedAt: Timestamp
    public let updatedAt: Timestamp
    public let outcome: String

    enum CodingKeys: String, CodingKey {
        case flowID = "flow", clientID = "client_id", userID = "user_id", username, remoteIP = "remote_ip"
        case startedAt = "started_at", updatedAt = "updated_at", outcome
    }
}

/// The auditor's reads: finding flows from what an investigator holds. SELECT only.
public struct AuditQueries: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// The flow stream a code hash, access token `jti` or refresh token hash belongs to: from the
    /// audit index, else (for tokens issued since the index last caught up) from the log itself.
    public func flowStream(tokenKey: String, kind: String) async throws -> String? {
        let (type, path) = switch kind {
        case "authorization_code": (AuthorizationCodeIssued.type, "{code_hash}")
        case "access_token": (TokensIssued.type, "{access_token_id}")
        default: (TokensIssued.type, "{refresh_token,hash}")
        }
        // One statement, so one snapshot: the index and the tail it has not read (the events after
        // its checkpoint) are seen at the same instant, whatever the indexer does meanwhile.
        let rows = try await client.query("""
            SELECT 'flow-' || flow_id FROM audit_tokens WHERE token_key = \(tokenKey)
            UNION ALL
            (SELECT e.stream_id FROM events e
             WHERE (e.tx_id, e.position) > COALESCE(
                     (SELECT (c.tx_id, c.position) FROM projection_checkpoints c WHERE c.name = 'audit_index'),
                     ('0'::xid8, 0::int8))
               AND e.type = \(type) AND e.payload #>> \(path)::text[] = \(tokenKey)
             LIMIT 1)
            LIMIT 1
            """, logger: logger)
        for try await stream in rows.decode(String.self) { return stream }
        return nil
    }

    /// The events of a flow in version order, as replay input.
    public func flowEvents(_ streamID: String) async throws -> [ReplayInput] {
        let rows = try await client.query("""
            SELECT position, (extract(epoch FROM recorded_at) * 1000000)::int8, type, payload::text, metadata::text
            FROM events WHERE stream_id = \(streamID) ORDER BY stream_version
            """, logger: logger)
        var events: [ReplayInput] = []
        for try await (position, time, type, payload, metadata) in rows.decode((Int64, Int64, String, String, String).self) {
            events.append(ReplayInput(position: position, time: Timestamp(microsecondsSinceEpoch: time), type: type,
                                      payload: payload, metadata: metadata))
        }
        return events
    }

    /// Whether a stream's chain verifies and each of its events is sealed where it stands;
    /// nil when it holds, else the first fault. Read in one snapshot, so a flow that grows
    /// meanwhile is never mistaken for a damaged one. A stream whose newest events were deleted is
    /// `truncated` when its head (`streams`) or its seals reach past its last remaining event.
    public func streamFault(_ streamID: String) async throws -> ChainFault? {
        try await client.withConnection { connection in
            try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            do {
                let fault = try await streamFault(streamID, on: connection)
                try await connection.query("COMMIT", logger: logger)
                return fault
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    private func streamFault(_ streamID: String, on connection: PostgresConnection) async throws -> ChainFault? {
        let events = try EventStore.decode(try await connection.collectedRows("""
            SELECT \(unescaped: EventStore.columns) FROM events WHERE stream_id = \(streamID) ORDER BY stream_version
            """, logger: logger))
        var walker = StreamChainWalker()
        for event in events { _ = walker.next(event) }
        let finished = walker.finish()
        if let fault = finished?.fault { return fault }
        let seals = try await connection.query("""
            SELECT e.position, s.stream_id, s.stream_version FROM events e LEFT JOIN seals s ON s.position = e.position
            WHERE e.stream_id = \(streamID) ORDER BY e.stream_version
            """, logger: logger)
        for try await (position, sealedStream, sealedVersion) in seals.decode((Int64, String?, Int64?).self) {
            if let sealedStream, sealedStream != streamID || events.first(where: { $0.position == position })?.version != sealedVersion {
                return ChainFault(kind: .reordered, position: position, streamID: streamID, version: sealedVersion ?? 0)
            }
        }
        let lastVersion = finished?.lastVersion ?? 0
        // Sealed events past the last one left: the tail was deleted after it was sealed.
        for try await (position, version) in try await connection.query("""
            SELECT position, stream_version FROM seals WHERE stream_id = \(streamID) AND stream_version > \(lastVersion)
            ORDER BY stream_version LIMIT 1
            """, logger: logger).decode((Int64, Int64).self) {
            return ChainFault(kind: .truncated, position: position, streamID: streamID, version: version,
                              detail: "sealed event \(streamID) v\(version) is gone")
        }
        // The head says the stream is longer (or ends elsewhere) than its events.
        for try await (version, head) in try await connection.query(
            "SELECT version, head_hash FROM streams WHERE stream_id = \(streamID)", logger: logger
        ).decode((Int64, ByteBuffer?).self) {
            if version > lastVersion {
                return ChainFault(kind: .truncated, position: finished?.lastPosition, streamID: streamID, version: lastVersion + 1,
                                  detail: "the head is at version \(version)")
            }
            if let head, let finished, Array(buffer: head) != finished.lastHash {
                return ChainFault(kind: .headMismatch, position: finished.lastPosition, streamID: streamID, version: lastVersion)
            }
        }
        return nil
    }
}
