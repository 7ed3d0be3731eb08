import Metrics

/// What the appender reports to swift-metrics (`/metrics` when the server exports them). Handles
/// are made at each use, not kept: one made before swift-metrics is bootstrapped would stay a
/// no-op for good (the registry returns the same series for the same label).
enum AppenderMetrics {
    /// Requests waiting for a writer, when a batch is formed.
    static func queued(_ count: Int) { Gauge(label: "vellum_appender_queue_depth").record(count) }
    /// Events per batch written.
    static func batch(events: Int) { Recorder(label: "vellum_appender_batch_events", aggregate: true).record(events) }
}
