public import PostgresNIO

extension BatchingAppender {
    /// The settings of a pool of the appender's own, from those of the process's pool: few
    /// connections (one per batch in flight, and one more), and PostgreSQL told to plan each
    /// statement once per connection (`plan_cache_mode`). The batch statements take arrays whose
    /// lengths change with every batch, so PostgreSQL would plan them anew each time: 0.56 ms of the
    /// write statement's 1.4 ms (`pg_stat_statements`, token and refresh requests at 32 clients).
    /// Every statement of the appender is keyed lookups and inserts over those arrays, for which the
    /// generic plan is the right one; the reads keep the process's pool, where a range query's plan
    /// must see its values. No keep-alive query, a short idle timeout (``PostgresClient/Configuration/withFewPoolTimers``).
    public static func poolConfiguration(
        from database: PostgresClient.Configuration, concurrentBatches: Int = 2
    ) -> PostgresClient.Configuration {
        var configuration = database
        configuration.options.additionalStartupParameters.removeAll { $0.0 == "plan_cache_mode" }
        configuration.options.additionalStartupParameters.append(("plan_cache_mode", "force_generic_plan"))
        configuration.options.maximumConnections = max(1, concurrentBatches) + 1
        configuration.options.minimumConnections = 0
        return configuration.withFewPoolTimers
    }
}
