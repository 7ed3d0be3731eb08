public import PostgresNIO

extension PostgresClient.Configuration {
    /// This configuration for a long-running server's pool: every connection opened at start and
    /// kept open (a closed one is opened again), with no keep-alive query.
    ///
    /// PostgresNIO's pool arms timers each time a connection comes back to it: a keep-alive (30 s)
    /// and, for a connection above the minimum, an idle timeout (60 s). Each is a task group of two
    /// tasks and a sleep, and a cancelled sleep keeps its timer until its deadline: a server taking
    /// flows at 32 clients held ~80,000 of them (heaptrack), its resident memory grew past 185 MiB,
    /// and the timers were a fifth of its CPU per flow. With none, the same load stays under 90 MiB.
    /// The pool still replaces a connection the database closes; the readiness probe and every
    /// request's deadline find a database that stops answering.
    public var keepingConnectionsOpen: Self {
        var configuration = self
        configuration.options.minimumConnections = configuration.options.maximumConnections
        configuration.options.keepAliveBehavior = nil
        return configuration
    }
}
