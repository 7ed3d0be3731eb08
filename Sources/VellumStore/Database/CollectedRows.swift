public import Logging
public import PostgresNIO

extension PostgresConnection {
    /// Every row of `query`, collected on the connection's event loop (PostgresNIO's future-based
    /// API), for results of many rows — a catch-up batch of 5,000 events is megabytes, many socket
    /// reads.
    ///
    /// Iterated as an async sequence, such a result pauses the connection after every read until
    /// the iterating task asks for more, and PostgresNIO 1.33 cannot take the connection closing in
    /// that pause: when the database ends the session then (a restart, `pg_terminate_backend`, an
    /// administrator's `idle_session_timeout`), NIO delivers the rest of the socket and a
    /// read-complete, and `RowStreamStateMachine.channelReadComplete` stops the process on a
    /// precondition ("How can we receive a body part, after a channelReadComplete, but no read
    /// has been forwarded yet"). The fault run saw it twice, once in a catch-up batch. Collected
    /// here, each batch of rows asks for the next at once, on the event loop, and the connection is
    /// never paused, so a session ended mid-result fails the query instead.
    public func collectedRows(_ query: PostgresQuery, logger: Logger) async throws -> PostgresQueryResult {
        let result: EventLoopFuture<PostgresQueryResult> = self.query(query, logger: logger)
        return try await result.get()
    }
}

extension PostgresClient {
    /// ``PostgresConnection/collectedRows(_:logger:)`` on a connection of the pool.
    public func collectedRows(_ query: PostgresQuery, logger: Logger) async throws -> PostgresQueryResult {
        try await withConnection { connection in try await connection.collectedRows(query, logger: logger) }
    }
}
