public import PostgresNIO

extension PostgresClient.Configuration {
    /// How long a connection above the pool's minimum stays open unused.
    public static let servingIdleTimeout: Duration = .seconds(10)

    /// This configuration with as few of PostgresNIO's pool timers pending as it allows: no
    /// keep-alive query on idle connections, and idle connections closed after
    /// ``servingIdleTimeout`` instead of a minute.
    ///
    /// The pool arms a keep-alive timer (30 s) and, for connections above its minimum, an idle
    /// timer every time a query gives its connection back: a task group of two tasks and a sleep,
    /// and a cancelled sleep stays armed until its deadline. So the timers pending, and the
    /// server's memory, grow with the request rate times the timer's length: under 32 clients of
    /// flows ~80,000 were pending at once (heaptrack), and a faster hour of the machine raised the
    /// peak RSS of the benchmark's 21 runs from 135 to 157–171 MiB with the idle timer of 60 s
    /// (106 MiB with 10 s, at the same throughput). An idle connection is closed after the idle
    /// timeout, one the database closes is replaced, and one that stops answering is found by the
    /// readiness probe and every request's deadline; a connection closed too early costs a new
    /// session (a few milliseconds), which a pool under load never waits 10 s for.
    ///
    /// Holding every connection open (`minimumConnections = maximumConnections`) removes the idle
    /// timer too, but PostgresNIO's pool then crashed on a lease while reconnecting after a
    /// database restart (a precondition in `createNewDemandConnectionIfPossible`; the fault run
    /// found it).
    public var withFewPoolTimers: Self {
        var configuration = self
        configuration.options.keepAliveBehavior = nil
        configuration.options.connectionIdleTimeout = Self.servingIdleTimeout
        return configuration
    }
}
