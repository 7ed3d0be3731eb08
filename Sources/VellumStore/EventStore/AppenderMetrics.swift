import Metrics

/// What the appender reports to swift-metrics (`/metrics` when the server exports them).
enum AppenderMetrics {
    /// Requests waiting for a writer, when a batch is formed.
    static let queued = Gauge(label: "vellum_appender_queue_depth")
    /// Events per batch written.
    static let batchEvents = Recorder(label: "vellum_appender_batch_events", aggregate: true)
}
