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

    /// Deletes what expired (or ended) before `cutoff`. A rotated or revoked refresh token stays
    /// until its own expiry, so that presenting it again is still recognised as reuse meanwhile.
    @discardableResult
    public func prune(before cutoff: Timestamp) async throws -> Report {
        let at = cutoff.microsecondsSinceEpoch
        var report = Report()
        report.codes = try await count(client.query(
            "DELETE FROM authorization_codes WHERE expires_at < vellum_ts(\(at)) RETURNING 1", logger: logger))
        report.accessTokens = try await count(client.query(
            "DELETE FROM access_tokens WHERE expires_at < vellum_ts(\(at)) RETURNING 1", logger: logger))
        report.refreshTokens = try await count(client.query(
            "DELETE FROM refresh_tokens WHERE expires_at < vellum_ts(\(at)) RETURNING 1", logger: logger))
        report.sessions = try await count(client.query(
            "DELETE FROM sessions WHERE expires_at < vellum_ts(\(at)) OR ended_at < vellum_ts(\(at)) RETURNING 1", logger: logger))
        return report
    }

    private func count(_ rows: PostgresRowSequence) async throws -> Int {
        var count = 0
        for try await _ in rows { count += 1 }
        return count
    }
}
