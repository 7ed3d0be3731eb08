import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization
import VellumStore

/// Whether the database answers, as `/readyz` reports it: a probe every
/// `readinessProbeInterval` (a fifth of a second), each given 0.6 s, so that
/// readiness turns 503 within a second of the database going away and 200 as soon as the pool has
/// reconnected (a load balancer stops sending traffic, then sends it again), and a readiness
/// request never waits on the pool itself. Every 25 probes it also reads this instance's
/// connections from `pg_stat_activity` (by their `application_name`) for
/// `vellum_database_connections{state}`: the pool's usage as the database sees it (PostgresNIO
/// reports none of its own).
final class DatabaseHealth: Service, Sendable {
    /// 1: the last probe was answered; 0: it was not; -1: no probe has ended yet.
    private let reachable = Atomic<Int8>(-1)
    private let client: PostgresClient
    private let logger: Logger
    private let interval: Duration
    private let applicationName: String
    static let probeLimit: Duration = .milliseconds(600)
    /// Connections are counted every this many probes (every 5 s at the default interval).
    static let probesPerConnectionCount = 25

    init(client: PostgresClient, applicationName: String, interval: Duration = .milliseconds(200), logger: Logger) {
        self.client = client
        self.applicationName = applicationName
        self.interval = interval
        self.logger = logger
    }

    /// Whether the last probe was answered (probing now if none has ended yet).
    func isReachable() async -> Bool {
        switch reachable.load(ordering: .relaxed) {
        case 1: true
        case 0: false
        default: await probe()
        }
    }

    /// Probes once (`SELECT 1`) and records the answer.
    @discardableResult
    func probe() async -> Bool {
        let client = self.client, logger = self.logger
        let answered = (try? await racingDeadline(Self.probeLimit) {
            try await client.query("SELECT 1", logger: logger)
        }) != nil
        let previous = reachable.exchange(answered ? 1 : 0, ordering: .relaxed)
        ServerMetrics.databaseUp(answered)
        if previous >= 0 && (previous == 1) != answered {
            if answered {
                logger.notice("the database answers again")
            } else {
                logger.error("the database does not answer: requests get 503 until it does")
            }
        }
        return answered
    }

    /// Counts this instance's connections by state into `vellum_database_connections`; apart from
    /// the probe, so that readiness never waits on `pg_stat_activity`. Returns whether it did (a
    /// count that missed its 0.6 s is tried again on the next probe, not five seconds later).
    @discardableResult
    func countConnections() async -> Bool {
        let client = self.client, logger = self.logger, name = applicationName
        let connections = try? await racingDeadline(Self.probeLimit) {
            var byState: [String: Int64] = [:]
            for try await (state, count) in try await client.query("""
                SELECT coalesce(state, 'unknown'), count(*) FROM pg_stat_activity WHERE application_name = \(name) GROUP BY 1
                """, logger: logger).decode((String, Int64).self) {
                byState[state] = count
            }
            return byState
        }
        if let connections { ServerMetrics.databaseConnections(connections) }
        return connections != nil
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var round = 0
            var counted = false
            while !Task.isCancelled {
                if await self.probe(), !counted || round % Self.probesPerConnectionCount == 0 {
                    counted = await self.countConnections()
                }
                round += 1
                try? await Task.sleep(for: self.interval)
            }
        }
    }
}
