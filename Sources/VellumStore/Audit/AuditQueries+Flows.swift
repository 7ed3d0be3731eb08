public import PostgresNIO
public import VellumCore

extension AuditQueries {
    /// Flows of a user (by username or id) or of a client, started in `[since, until)`, newest first.
    ///
    /// The `audit_flows` index lags the log: the indexer reads only below the cluster's oldest
    /// running transaction, so one long transaction anywhere holds it back. The flows' events after
    /// the index's checkpoint (the unindexed tail) are therefore read in the same snapshot and
    /// applied with the indexer's own rules, so the answer is whole however far the index lags.
    public func flows(user: String? = nil, clientID: String? = nil, since: Timestamp, until: Timestamp, limit: Int = 500) async throws -> [AuditedFlow] {
        try await client.withConnection { connection in
            try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            do {
                let flows = try await flows(user: user, clientID: clientID, since: since, until: until, limit: limit, on: connection)
                try await connection.query("COMMIT", logger: logger)
                return flows
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    private func flows(user: String?, clientID: String?, since: Timestamp, until: Timestamp, limit: Int,
                       on connection: PostgresConnection) async throws -> [AuditedFlow] {
        let indexed = try await indexedFlows(on: connection, """
            WHERE (\(user)::text IS NULL OR username = \(user) OR user_id = \(user))
              AND (\(clientID)::text IS NULL OR client_id = \(clientID))
              AND started_at >= vellum_ts(\(since.microsecondsSinceEpoch)) AND started_at < vellum_ts(\(until.microsecondsSinceEpoch))
            ORDER BY started_at DESC LIMIT \(limit)
            """)
        let tail = try EventStore.decode(try await connection.collectedRows("""
            SELECT \(unescaped: EventStore.columns) FROM events e
            WHERE (e.tx_id, e.position) > COALESCE(
                    (SELECT (c.tx_id, c.position) FROM projection_checkpoints c WHERE c.name = 'audit_index'),
                    ('0'::xid8, 0::int8))
              AND e.stream_id LIKE 'flow-%'
            ORDER BY e.tx_id, e.position
            """, logger: logger))
        guard !tail.isEmpty else { return indexed }

        var batch = AuditIndex.Batch()
        for event in tail { try? batch.add(event) }
        // The index's rows of the tail's flows, whatever their filter said, as the base to update.
        let base = Dictionary(uniqueKeysWithValues: try await indexedFlows(on: connection, """
            WHERE flow_id = ANY(\(batch.flowOrder)::text[])
            """).map { ($0.flowID, $0) })
        var merged = Dictionary(uniqueKeysWithValues: indexed.map { ($0.flowID, $0) })
        for flowID in batch.flowOrder {
            guard let update = batch.flows[flowID] else { continue }
            let row = base[flowID]
            guard let clientID = row?.clientID ?? update.started?.clientID,
                  let startedAt = row?.startedAt ?? update.started?.at else { continue }
            merged[flowID] = AuditedFlow(
                flowID: flowID, clientID: clientID, userID: update.userID ?? row?.userID, username: update.username ?? row?.username,
                remoteIP: row?.remoteIP ?? update.started?.remoteIP, startedAt: startedAt, updatedAt: update.updatedAt,
                outcome: update.outcome.isEmpty ? row?.outcome ?? "" : update.outcome)
        }
        return merged.values.filter { flow in
            (user == nil || flow.username == user || flow.userID == user) && (clientID == nil || flow.clientID == clientID)
                && flow.startedAt >= since && flow.startedAt < until
        }
        .sorted { ($0.startedAt, $0.flowID) > ($1.startedAt, $1.flowID) }
        .prefix(limit).map { $0 }
    }

    private func indexedFlows(on connection: PostgresConnection, _ condition: PostgresQuery) async throws -> [AuditedFlow] {
        let rows = try await connection.query(PostgresQuery(
            unsafeSQL: """
                SELECT flow_id, client_id, user_id, username, remote_ip,
                       (extract(epoch FROM started_at) * 1000000)::int8, (extract(epoch FROM updated_at) * 1000000)::int8, outcome
                FROM audit_flows
                """ + " " + condition.sql, binds: condition.binds), logger: logger)
        var flows: [AuditedFlow] = []
        for try await (flow, client, userID, username, ip, started, updated, outcome) in rows.decode(
            (String, String, String?, String?, String?, Int64, Int64, String).self
        ) {
            flows.append(AuditedFlow(flowID: flow, clientID: client, userID: userID, username: username, remoteIP: ip,
                                     startedAt: Timestamp(microsecondsSinceEpoch: started),
                                     updatedAt: Timestamp(microsecondsSinceEpoch: updated), outcome: outcome))
        }
        return flows
    }
}
