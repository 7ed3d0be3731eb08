import Foundation
public import VellumCore

/// How `vellum serve` listens, names itself, and how long what it issues lives.
public struct ServerConfiguration: Sendable {
    /// The address to bind (`--host`, `VELLUM_HOST`).
    public var host: String
    /// The port to bind (`--port`, `VELLUM_PORT`); 0 picks a free one.
    public var port: Int
    /// The issuer URL (`--issuer`, `VELLUM_ISSUER`), without a trailing slash; defaults to `http://host:port`.
    public var issuer: String
    /// This instance's name in event metadata and logs; defaults to `hostname:pid`.
    public var instanceID: String
    /// Authorization code lifetime in seconds (`VELLUM_CODE_TTL`, default 60).
    public var codeLifetime: Int64 = 60
    /// Access token lifetime in seconds (`VELLUM_ACCESS_TOKEN_TTL`, default 600).
    public var accessTokenLifetime: Int64 = 600
    /// Browser session lifetime in seconds (`VELLUM_SESSION_TTL`, default 8 hours).
    public var sessionLifetime: Int64 = 8 * 3600
    /// Absolute refresh token lifetime in seconds, from the family's first token
    /// (`VELLUM_REFRESH_TOKEN_TTL`, default 30 days).
    public var refreshTokenLifetime: Int64 = 30 * 86400
    /// Idle refresh token lifetime in seconds: a token unused this long expires
    /// (`VELLUM_REFRESH_TOKEN_IDLE_TTL`, default 14 days).
    public var refreshTokenIdleLifetime: Int64 = 14 * 86400
    /// Seconds after a rotation during which the rotated token may be presented again as a retry
    /// after a lost response (`VELLUM_REFRESH_REUSE_GRACE`, default 0: any reuse revokes the family).
    public var refreshReuseGrace: Int64 = 0
    /// Seconds between publishing a new signing key and signing with it (`VELLUM_KEY_ACTIVATION_DELAY`,
    /// default 1 hour: resource servers' JWKS caches see it before any token it signs).
    public var keyActivationDelay: Int64 = 3600
    /// How long projections keep expired or revoked codes, tokens and sessions before the pruner
    /// deletes them (`VELLUM_PRUNE_AFTER`, default 1 day). The log keeps everything.
    public var pruneAfter: Int64 = 86400
    /// Seconds between two rounds of the sealer and the audit index; at most this long between two
    /// signed checkpoints while events arrive (`VELLUM_SEAL_INTERVAL`, default 1).
    public var sealInterval: Int64 = 1
    /// A file every committed checkpoint is also appended to (and synced), for shipping off the
    /// database (`VELLUM_CHECKPOINT_FILE`).
    public var checkpointFile: String?
    /// The audit key file the sealer signs with (`VELLUM_AUDIT_KEY_FILE`, made by `vellum audit-key
    /// init`); without one, a key kept in the database under the master key.
    public var auditKeyFile: String?
    /// Whether this instance seals and signs (`VELLUM_SEALER`, default on). Off when a separate
    /// `vellum sealer` holds the audit key.
    public var sealerEnabled = true
    /// Seconds between two runs of the background maintenance: key activation and retirement,
    /// pruning (`VELLUM_MAINTENANCE_INTERVAL`, default 60).
    public var maintenanceInterval: Int64 = 60

    /// Seconds an authorization request waits for its login and consent before it expires
    /// (`VELLUM_FLOW_TTL`, default 600): an old `/login?flow=` link is refused.
    public var flowLifetime: Int64 = 600
    /// The access token's `aud` when the client names no RFC 8707 `resource`
    /// (`VELLUM_DEFAULT_AUDIENCE`, space-separated; default: the issuer, whose resource is `/userinfo`).
    public var defaultAudience: [String]?
    /// A directory whose `.mustache` templates and `vellum.css` replace the built-in ones, file by
    /// file (`VELLUM_TEMPLATES_DIR`).
    public var templatesDirectory: String?
    /// Failed logins of one account before each further attempt must wait, doubling from one second
    /// (`VELLUM_LOGIN_FAILURES_BEFORE_DELAY`, default 5); one client IP address gets four times as many.
    public var loginFailuresBeforeDelay: Int = 5
    /// The longest a request waits for an answer before it gets 503 with `Retry-After`
    /// (`VELLUM_REQUEST_TIMEOUT`, seconds, default 5): while the database cannot be reached,
    /// clients hear so within this bound.
    public var requestTimeout: Duration = .seconds(5)
    /// How often the readiness probe asks the database (`/readyz` follows it within this plus
    /// 0.6 s: at most 0.8 s). Tests that run dozens of servers on one cluster ask less often.
    public var readinessProbeInterval: Duration = .milliseconds(200)
    /// Proxies whose `Forwarded` / `X-Forwarded-For` name the client (`VELLUM_TRUSTED_PROXIES`,
    /// CIDR blocks; default none: the client is the TCP peer).
    public var trustedProxies = TrustedProxies()
    /// Whether each request gets an access log line (`VELLUM_ACCESS_LOG`, default on).
    public var accessLog = true
    /// Whether each request gets a span (`--otel-endpoint`; off by default). Off, the tracing
    /// middleware is left out: even with no tracer it built every request's attributes (1.5 % of
    /// the server's CPU per flow).
    public var tracesRequests = false
    /// The bcrypt cost of the decoy hash a login for an unknown username is checked against, so
    /// that it takes as long as a wrong password: the cost of the users' own hashes (`vellum users
    /// create` and the directory import use 12).
    public var decoyPasswordCost: UInt8 = 12
    /// The clock every decision reads; tests give a manual one.
    public var clock: @Sendable () -> Timestamp = { Timestamp(Date()) }

    /// A configuration; `issuer` defaults from the host and port.
    public init(host: String = "127.0.0.1", port: Int = 8080, issuer: String? = nil, instanceID: String? = nil) {
        self.host = host
        self.port = port
        var issuer = issuer ?? "http://\(host):\(port)"
        while issuer.hasSuffix("/") { issuer.removeLast() }
        self.issuer = issuer
        self.instanceID = instanceID ?? "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// Whether `host` binds only the loopback interface.
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Whether cookies must be `Secure` (the issuer is https).
    public var usesHTTPS: Bool { issuer.lowercased().hasPrefix("https://") }

    /// The access token audience used when no resource is asked for.
    public var audience: [String] { defaultAudience ?? [issuer] }

    /// The absolute URL of `path` under the issuer.
    func url(_ path: String) -> String { issuer + path }
}
