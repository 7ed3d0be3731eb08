/// When one of the appender's writers takes the requests waiting as a batch.
enum BatchFormation {
    /// Whether to start a batch of the `pendingEvents` waiting while batches of `inFlight` events
    /// are being written: when any wait and none is being written, or what waits is as big as the
    /// largest being written, or the appender is shutting down.
    ///
    /// A second transaction beside the first is worth its round trip and commit only when it
    /// carries as much; otherwise what waits goes into the next batch as soon as a writer is free.
    /// There is no timer: a request waits at most for the batches in flight. Without the rule,
    /// writers holding their connections took whatever had arrived the moment they were free: four
    /// writers wrote batches of 12-14 events and 10-15 % fewer events per second than two
    /// (docs/benchmarks.md).
    static func shouldStart(pendingEvents: Int, inFlight: [Int], isShuttingDown: Bool) -> Bool {
        guard pendingEvents > 0 else { return false }
        return isShuttingDown || pendingEvents >= inFlight.max() ?? 0
    }
}
