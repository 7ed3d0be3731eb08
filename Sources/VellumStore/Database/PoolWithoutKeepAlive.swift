public import PostgresNIO

extension PostgresClient.Configuration {
    /// This configuration without PostgresNIO's keep-alive query on idle connections.
    ///
    /// The pool arms a keep-alive timer (30 s) every time a query gives its connection back: a task
    /// group of two tasks and a sleep, and a cancelled sleep stays armed until its deadline. Under
    /// 32 clients of flows ~80,000 were pending at once (heaptrack). An idle connection is closed
    /// after the pool's idle timeout anyway; one the database closes is replaced, and one that stops
    /// answering is found by the readiness probe and every request's deadline.
    ///
    /// The idle timer (60 s, armed the same way) stays: holding every connection open
    /// (`minimumConnections = maximumConnections`) removed it too and halved the server's resident
    /// memory, but PostgresNIO's pool then crashed on a lease while reconnecting after a database
    /// restart (a precondition in `createNewDemandConnectionIfPossible`; the fault run found it).
    public var withoutKeepAlive: Self {
        var configuration = self
        configuration.options.keepAliveBehavior = nil
        return configuration
    }
}
