public import Logging
public import PostgresNIO
public import VellumCore

/// Deletes from the projections the codes, tokens and sessions that stopped working before a
/// cutoff, so the working set stays proportional to what is live (the log keeps everything).
/// Expiry itself needs no pruning: every read checks the time. Safe to run on several instances.
public struct ProjectionPruner: Sendable {
    /// Rows deleted, by table.
    public struct Report: Sendable, Equatable {
        public var codes = 0
        public var accessTokens = 0
        public var refreshTokens = 0
        public var sessions = 0
        public var total: Int { codes + accessTokens + refreshTokens + sessions }

        public init(codes: Int = 0, accessTokens: Int = 0, refreshTokens: Int = 0, sessions: Int = 0) {
            self.codes = codes
            self.accessTokens = accessTokens
            self.refreshTokens = refreshTokens
            self.sessions = sessions
        }
    }

    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Deletes what expired (or ended) before `cutoff`. A code and the refresh tokens of a flow stay
    /// while any refresh token of that flow is unexpired, so that presenting a used one again is
    /// still recognised as reuse and revokes the family.
    @discardableResult
    public func prune(before cutoff: Timestamp) async throws -> Report {
        let at = cutoff.microsecondsSinceEpoch
        var report = Report()
        // Each DELETE's count is read from its command tag: no row comes back.
        // A redeemed code, and a rotated refresh token, must be recognised when presented again for
        // as long as their family lives (RFC 9700 §4.14.2): rows go only once no refresh token of
        // their flow is still unexpired.
        report.codes = try await deleted("""
            DELETE FROM authorization_codes c WHERE expires_at < vellum_ts(\(at))
              AND NOT EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.flow_id = c.flow_id AND r.expires_at >= vellum_ts(\(at)))
            """)
        report.accessTokens = try await deleted("DELETE FROM access_tokens WHERE expires_at < vellum_ts(\(at))")
        report.refreshTokens = try await deleted("""
            DELETE FROM refresh_tokens r WHERE expires_at < vellum_ts(\(at))
              AND NOT EXISTS (SELECT 1 FROM refresh_tokens l WHERE l.flow_id = r.flow_id AND l.expires_at >= vellum_ts(\(at)))
            """)
        // Runs of failed logins end after the throttle's window; older rows no longer throttle.
        _ = try await deleted("DELETE FROM login_failures WHERE last_failure_at < vellum_ts(\(at))")
        report.sessions = try await deleted("DELETE FROM sessions WHERE expires_at < vellum_ts(\(at)) OR ended_at < vellum_ts(\(at))")
        return report
    }

    /// How many rows `delete` removed, from its command tag (`DELETE n`).
    private func deleted(_ delete: PostgresQuery) async throws -> Int {
        try await client.collectedRows(delete, logger: logger).metadata.rows ?? 0
    }
}
