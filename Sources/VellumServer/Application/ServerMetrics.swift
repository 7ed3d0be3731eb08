import Hummingbird
import Metrics
import Prometheus

/// Vellum's metrics, in Prometheus's text format at `GET /metrics`: swift-metrics everywhere,
/// exported by swift-prometheus from one registry per process (swift-metrics is bootstrapped
/// once). Hummingbird's `MetricsMiddleware` counts requests by route and status and times them
/// (`hb_requests`, `http_server_request_duration`); the appender reports its queue
/// and batch sizes; the rest is below.
enum ServerMetrics {
    /// The process's registry; bootstrapping swift-metrics with it happens on first use.
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// Makes sure swift-metrics reports to ``registry``, with the counters that may stay at zero
    /// for a long time exported from the start (an alert on them must find them). Handles are made
    /// at each use, never kept: one made before the bootstrap would stay a no-op for good.
    static func bootstrap() {
        _ = registry
        _ = Counter(label: "vellum_request_timeouts_total")
    }

    /// Tokens issued, by grant (`authorization_code`, `refresh_token`).
    static func tokensIssued(grant: String) {
        Counter(label: "vellum_tokens_issued_total", dimensions: [("grant", grant)]).increment()
    }

    /// Failed logins, by reason (`wrong_password`, `unknown_user`, `throttled`, …).
    /// Failed client authentications, by reason (`wrong_secret`, `wrong_method`, `client_disabled`, `unknown_client`).
    static func clientAuthenticationFailed(reason: String) {
        Counter(label: "vellum_client_authentication_failures_total", dimensions: [("reason", reason)]).increment()
    }

    static func loginFailed(reason: String) {
        Counter(label: "vellum_login_failures_total", dimensions: [("reason", reason)]).increment()
    }

    /// How far a catch-up projection (`sealer`, `audit_index`) is behind the log.
    static func catchUpLag(projection: String, events: Int64, seconds: Double) {
        Gauge(label: "vellum_catchup_lag_events", dimensions: [("projection", projection)]).record(events)
        Gauge(label: "vellum_catchup_lag_seconds", dimensions: [("projection", projection)]).record(seconds)
    }

    /// 1 while the database answers the readiness probe, 0 otherwise.
    /// This instance's connections to the database by state (`active`, `idle`, `idle in transaction`).
    static func databaseConnections(_ byState: [String: Int64]) {
        for state in Set(byState.keys).union(["active", "idle", "idle in transaction"]) {
            Gauge(label: "vellum_database_connections", dimensions: [("state", state)]).record(byState[state] ?? 0)
        }
    }

    static func databaseUp(_ answered: Bool) { Gauge(label: "vellum_database_up").record(answered ? 1 : 0) }

    /// A request answered 503 because the database did not answer within the request timeout.
    static func requestTimedOut() { Counter(label: "vellum_request_timeouts_total").increment() }
}

/// `GET /metrics`: the registry in Prometheus's text exposition format.
struct MetricsEndpoint: Sendable {
    func register(on router: Router<some RequestContext>) {
        router.get("metrics") { _, _ in
            var response = Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: ServerMetrics.registry.emitToBuffer())))
            response.headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            response.headers[.cacheControl] = "no-store"
            return response
        }
    }
}
