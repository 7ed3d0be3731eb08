public import PostgresNIO

extension PostgresClient.Configuration {
    /// This configuration with the session settings of a long-running Vellum process (the server,
    /// `vellum sealer`), as startup parameters, each only where `self` does not set it already (the
    /// database URL sets none of them):
    ///
    /// - `idle_in_transaction_session_timeout` 30 s and `statement_timeout` 60 s: its sessions
    ///   never hold a transaction (and with it the cluster's gap-safe horizon, which sealing and
    ///   indexing wait on) for long;
    /// - `application_name`: each instance's sessions are named in `pg_stat_activity` (and counted
    ///   by the readiness probe);
    /// - `jit` off: every statement is a keyed lookup, a short range or a batch of inserts, which
    ///   LLVM compilation never repays, and PostgreSQL compiles whenever a plan's estimated cost
    ///   passes `jit_above_cost`. On tables without statistics yet (a new or restored database
    ///   before autovacuum's first analyze) the catch-up round's lag and stranded-event checks
    ///   were estimated far above it (a lateral `LIMIT 100000`, a semi-join over the tail) and
    ///   cost ~100 and ~65 ms of compilation each for 0.05 ms of execution: with the rounds every
    ///   second, an idle server kept 15 % of a core busy in PostgreSQL (`pg_stat_statements`,
    ///   EXPLAIN ANALYZE on a log of 156,000 events).
    public func forServing(applicationName: String) -> Self {
        var configuration = self
        let defaults = [
            ("idle_in_transaction_session_timeout", "30s"), ("statement_timeout", "60s"),
            ("application_name", String(applicationName.prefix(63))), ("jit", "off"),
        ]
        for (name, value) in defaults where !configuration.options.additionalStartupParameters.contains(where: { $0.0 == name }) {
            configuration.options.additionalStartupParameters.append((name, value))
        }
        return configuration
    }

    /// The `application_name` its sessions announce, if set.
    public var applicationName: String? {
        options.additionalStartupParameters.last { $0.0 == "application_name" }?.1
    }
}
