import VellumServer

/// The settings of `vellum serve` (and the database ones every command shares), each defined
/// once. Defaults are read from ``ServerConfiguration``'s initial values.
extension Setting {
    private static let defaults = ServerConfiguration()

    private static func seconds(_ value: Int64) -> String { "\(value) s" }

    static let config = Setting(key: "config", summary: "A JSON file of settings, keys as the options without dashes (code_ttl, …)", defaultValue: nil)
    static let databaseURL = Setting(
        key: "database_url", summary: "PostgreSQL URL; without one, the embedded cluster in --data-dir", defaultValue: nil, isSecret: true)
    static let dataDir = Setting(key: "data_dir", summary: "Directory of the embedded PostgreSQL cluster and of the generated master key",
                                 defaultValue: ".vellum")
    static let host = Setting(key: "host", summary: "Address to listen on", defaultValue: defaults.host)
    static let port = Setting(key: "port", summary: "Port to listen on", defaultValue: "\(defaults.port)")
    static let issuer = Setting(key: "issuer", summary: "Issuer URL", defaultValue: "http://HOST:PORT")
    static let codeTTL = Setting(key: "code_ttl", summary: "Authorization code lifetime, seconds", defaultValue: seconds(defaults.codeLifetime))
    static let accessTokenTTL = Setting(key: "access_token_ttl", summary: "Access token lifetime, seconds",
                                        defaultValue: seconds(defaults.accessTokenLifetime))
    static let sessionTTL = Setting(key: "session_ttl", summary: "Browser session lifetime, seconds", defaultValue: seconds(defaults.sessionLifetime))
    static let flowTTL = Setting(key: "flow_ttl", summary: "Seconds an authorization request may take to finish login and consent",
                                 defaultValue: seconds(defaults.flowLifetime))
    static let refreshTokenTTL = Setting(key: "refresh_token_ttl", summary: "Refresh token lifetime from its family's first token, seconds",
                                         defaultValue: seconds(defaults.refreshTokenLifetime))
    static let refreshTokenIdleTTL = Setting(key: "refresh_token_idle_ttl", summary: "Seconds an unused refresh token stays valid",
                                             defaultValue: seconds(defaults.refreshTokenIdleLifetime))
    static let refreshReuseGrace = Setting(
        key: "refresh_reuse_grace", summary: "Seconds a rotated refresh token may be retried; 0: any reuse revokes the family",
        defaultValue: seconds(defaults.refreshReuseGrace))
    static let keyActivationDelay = Setting(key: "key_activation_delay", summary: "Seconds between publishing a rotated signing key and signing with it",
                                            defaultValue: seconds(defaults.keyActivationDelay))
    static let pruneAfter = Setting(key: "prune_after", summary: "Seconds projections keep expired or revoked rows (the log keeps everything)",
                                    defaultValue: seconds(defaults.pruneAfter))
    static let maintenanceInterval = Setting(key: "maintenance_interval", summary: "Seconds between key activation and pruning rounds",
                                             defaultValue: seconds(defaults.maintenanceInterval))
    static let sealInterval = Setting(key: "seal_interval", summary: "Seconds between sealing and audit-index rounds",
                                      defaultValue: seconds(defaults.sealInterval))
    static let checkpointFile = Setting(key: "checkpoint_file", summary: "File every signed checkpoint is also appended to", defaultValue: nil)
    static let auditKeyFile = Setting(key: "audit_key_file", summary: "Audit key file that signs checkpoints (vellum audit-key init)",
                                      defaultValue: "a key in the database under the master key")
    static let sealer = Setting(key: "sealer", summary: "Whether this instance seals and signs (on/off)", defaultValue: defaults.sealerEnabled ? "on" : "off")
    static let requestTimeout = Setting(key: "request_timeout", summary: "Seconds before an unanswered request gets 503 with Retry-After",
                                        defaultValue: "\(defaults.requestTimeout.components.seconds) s")
    static let defaultAudience = Setting(key: "default_audience", summary: "Access tokens' aud when the client names no resource (space-separated)",
                                         defaultValue: "the issuer")
    static let templatesDir = Setting(key: "templates_dir", summary: "Directory of page templates replacing the built-in ones", defaultValue: nil)
    static let loginFailuresBeforeDelay = Setting(
        key: "login_failures_before_delay", summary: "Failed logins of one account within 15 minutes before each further attempt waits",
        defaultValue: "\(defaults.loginFailuresBeforeDelay)")
    static let trustedProxies = Setting(key: "trusted_proxies", summary: "CIDR blocks whose Forwarded/X-Forwarded-For name the client (comma-separated)",
                                        defaultValue: "none")
    static let accessLog = Setting(key: "access_log", summary: "One log line per request (on/off)", defaultValue: defaults.accessLog ? "on" : "off")
    static let logLevel = Setting(key: "log_level", summary: "trace, debug, info, notice, warning, error or critical", defaultValue: "info")
    static let logFormat = Setting(key: "log_format", summary: "text or json (one object per line)", defaultValue: "text")
    static let otelEndpoint = Setting(
        key: "otel_endpoint", summary: "OTLP/HTTP collector to send traces to (http://collector:4318, or the full /v1/traces URL); the OTEL_* variables refine it",
        defaultValue: "none: no tracing")
    static let masterKeyFile = Setting(key: "master_key_file", summary: "File of the master key; or VELLUM_MASTER_KEY (base64) in the environment",
                                       defaultValue: "DATA_DIR/master.key, created on first start")
    static let masterKey = Setting(key: "master_key", summary: "The master key, base64", defaultValue: nil, isSecret: true)
}
