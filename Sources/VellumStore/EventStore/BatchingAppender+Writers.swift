import Logging
import PostgresNIO
import VellumCore

/// The appender's writers: each takes batches from the queue (``BatchingAppender/nextBatch(after:)``)
/// and writes them, on a connection it holds or, for a retry, on one leased from the pool.
extension BatchingAppender {
    /// One writer: takes batches until the appender has shut down and drained, and writes them on
    /// a connection it holds while batches keep coming (``writeOnHeldConnection(startingWith:)``).
    func writeBatches() async {
        var next = await nextBatch()
        while let batch = next {
            next = await writeOnHeldConnection(startingWith: batch)
        }
    }

    /// Leases a connection and writes `first`, and every batch after it, on that connection and on
    /// its event loop (``EventLoopExecutor``), until the appender shuts down (nil) or the connection
    /// fails; returns the next batch to write then. Per batch, that saves a lease and a release,
    /// two tasks and a timer (the watch ``outcome(of:unlessClosed:)`` keeps on a leased connection),
    /// and the hops between the connection's thread and the cooperative pool: at 64 appenders the
    /// appender wrote ~15 % more events per second (docs/benchmarks.md).
    ///
    /// Instead of that watch, each statement is written only after the connection is found open on
    /// its event loop (``PostgresConnection/ensureOpenForNextStatement()``). A batch that finds it
    /// closed has written nothing and goes through ``write(_:attempt:)`` on a fresh lease; one that
    /// fails otherwise is answered by the retries alone, and the connection is given back.
    private func writeOnHeldConnection(startingWith first: [Pending]) async -> [Pending]? {
        var unwritten: [Pending]? = first
        do {
            return try await client.withConnection { connection in
                await connection.onItsEventLoop {
                    while let batch = unwritten {
                        switch await self.write(batch, on: connection) {
                        case .written:
                            unwritten = await self.nextBatch(after: batch.eventCount)
                        case .connectionUnusable:
                            await self.write(batch)
                            return await self.nextBatch(after: batch.eventCount)
                        case .failed:
                            return await self.nextBatch(after: batch.eventCount)
                        }
                    }
                    return nil
                }
            }
        } catch {
            // No connection to be had: the batch takes the path that retries, then fails its requests.
            if let unwritten { await write(unwritten) }
            return await nextBatch(after: unwritten?.eventCount)
        }
    }

    private enum HeldOutcome {
        /// Written, and every request answered.
        case written
        /// Nothing written: the connection had closed.
        case connectionUnusable
        /// Every request answered after the batch failed; the connection may be broken.
        case failed
    }

    /// Writes one batch on a connection the writer holds.
    private func write(_ batch: [Pending], on connection: PostgresConnection) async -> HeldOutcome {
        do {
            let outcomes = try await writeTransaction(batch.map(\.request), afterUnknownOutcome: false, route: .held(connection))
            answer(batch, with: outcomes)
            return .written
        } catch is HeldConnectionUnusable {
            return .connectionUnusable
        } catch {
            await retryAlone(batch, failedWith: error, attempt: 0)
            return .failed
        }
    }

    private func answer(_ batch: [Pending], with outcomes: [Result<[RecordedEvent], AppendError>]) {
        for (pending, outcome) in zip(batch, outcomes) {
            pending.continuation.resume(with: outcome)
        }
    }

    /// Writes one batch in one transaction, on a connection leased for it. If the transaction
    /// fails, each request is retried alone (a few times), so that one bad request fails only
    /// itself. The failed transaction may have committed all the same (the connection dropped after
    /// COMMIT, before its reply): a retry that finds its stream moved on looks for its own command's
    /// events there and, finding them, answers with them, so the caller never decides again on its
    /// own write.
    private func write(_ batch: [Pending], attempt: Int = 0) async {
        do {
            answer(batch, with: try await writeTransactionWhileConnected(batch.map(\.request), afterUnknownOutcome: attempt > 0))
        } catch {
            await retryAlone(batch, failedWith: error, attempt: attempt)
        }
    }

    private func retryAlone(_ batch: [Pending], failedWith error: any Error, attempt: Int) async {
        guard attempt < Self.retriesAlone else {
            logger.error("append failed", metadata: [
                "stream": "\(batch[0].request.streamID)", "error": "\(String(reflecting: error))"])
            batch[0].continuation.resume(throwing: AppendError.storage("\(type(of: error))"))
            return
        }
        logger.warning("append transaction failed; retrying its requests one by one",
                       metadata: ["requests": "\(batch.count)", "attempt": "\(attempt + 1)", "error": "\(String(reflecting: error))"])
        // A short pause first: the pool learns of the closed connection before it is asked for another.
        try? await Task.sleep(for: .milliseconds(attempt == 0 ? 50 : 200 * attempt))
        for pending in batch {
            // A retry is a new transaction: not for a request that has been answered meanwhile.
            if let deadline = pending.deadline, deadline <= .now {
                pending.continuation.resume(throwing: AppendError.expired(streamID: pending.request.streamID))
            } else {
                await write([pending], attempt: attempt + 1)
            }
        }
    }

    /// Runs ``writeTransaction(_:afterUnknownOutcome:)`` and awaits its outcome (a retry must know
    /// whether it committed) while the connection it runs on is open. Once that has closed, it is
    /// abandoned (the batch counts as failed, and is retried): PostgresNIO (1.33) drops a statement
    /// written to a connection that closed a moment before and never completes it, and the database
    /// rolls back a transaction whose connection is gone, so nothing of it can commit any more.
    /// Waiting for it froze the appender for good after a database restart (Tests/Faults/fault_run.py).
    private func writeTransactionWhileConnected(
        _ requests: [AppendRequest], afterUnknownOutcome: Bool
    ) async throws -> [Result<[RecordedEvent], AppendError>] {
        let connection = ConnectionInUse()
        let work = Task { try await self.writeTransaction(requests, afterUnknownOutcome: afterUnknownOutcome, route: .leased(connection)) }
        do {
            return try await outcome(of: work, unlessClosed: connection)
        } catch is DeadlineExceeded {
            logger.error("an append's connection closed under it before its statement ended; abandoning it (the batch is retried)",
                         metadata: ["requests": "\(requests.count)"])
            throw DeadlineExceeded()
        }
    }

    /// How many times a request of a failed transaction is retried alone before it fails.
    static let retriesAlone = 3

    /// The connection a batch's statements run on.
    private enum Route {
        /// One the writer holds, each statement written after ``PostgresConnection/ensureOpenForNextStatement()``.
        case held(PostgresConnection)
        /// One leased from the pool for each attempt, named for ``outcome(of:unlessClosed:)``'s watch.
        case leased(ConnectionInUse)
    }

    private func writeTransaction(
        _ requests: [AppendRequest], afterUnknownOutcome: Bool, route: Route
    ) async throws -> [Result<[RecordedEvent], AppendError>] {
        let recordedAt = now()
        var outcomes = [Result<[RecordedEvent], AppendError>?](repeating: nil, count: requests.count)
        var pending = Array(requests.indices)
        var attempts = 0, transactions = 0, events = 0
        while !pending.isEmpty {
            attempts += 1
            let batch = pending.map { requests[$0] }
            let streamIDs = Array(Set(batch.map(\.streamID)))
            // The first attempt plans on the cached heads where it can; after a lost race (or an
            // unknown outcome) the heads are read afresh.
            let (cached, unknown) = attempts == 1 && !afterUnknownOutcome ? heads.plannable(batch) : ([:], streamIDs)
            let attempt: Attempt
            do {
                attempt = try await write(batch, cached: cached, unknown: unknown, recordedAt: recordedAt, route: route)
            } catch is HeldConnectionUnusable where attempts > 1 {
                // An earlier attempt wrote some of the batch: it is not untouched, so it fails as a whole.
                heads.forget(streamIDs)
                throw ClosedBetweenAttempts()
            } catch {
                heads.forget(streamIDs)
                throw error
            }
            heads.remember(attempt.plan.heads.filter { !attempt.lost.contains($0.key) })
            heads.forget(attempt.lost)
            let written = attempt.recorded.count { $0 != nil }
            if written > 0 { transactions += 1 }
            events += written
            var stillPending: [Int] = []
            for (offset, index) in pending.enumerated() {
                // A stream that lost its race is planned again on the heads the winner left.
                if attempt.lost.contains(requests[index].streamID) {
                    stillPending.append(index)
                    continue
                }
                outcomes[index] = attempt.plan.outcomes[offset].map { rows in rows.compactMap { attempt.recorded[$0] } }
            }
            pending = stillPending
            if !pending.isEmpty && attempts >= 32 { throw LostRace() }
        }
        var results = outcomes.map { $0! }
        if afterUnknownOutcome {
            for (index, request) in requests.enumerated() {
                guard case .failure(.wrongExpectedVersion) = results[index],
                      let own = try await AppendSQL.committedEvents(of: request, client: client, logger: logger) else { continue }
                logger.warning("a retried append had committed before its connection failed; answering with its events",
                               metadata: ["stream": "\(request.streamID)", "events": "\(own.count)"])
                results[index] = .success(own)
            }
        }
        state.withLock { [transactions, events, attempts] state in
            state.statistics.transactions += transactions
            state.statistics.events += events
            state.statistics.requests += results.count { (try? $0.get()) != nil }
            state.statistics.lostRaces += attempts - 1
        }
        return results
    }

    /// One attempt at a batch: its plan, per planned row the event recorded (nil: not written),
    /// and the streams that lost a race (planned again by the next attempt).
    private struct Attempt {
        let plan: AppendPlan
        let recorded: [RecordedEvent?]
        let lost: Set<String>
    }

    /// Plans the batch on the current heads and writes it. Without inline projections, or when the
    /// batch's rows are all of the kinds the write statement can carry (``FusedProjectionRows``: the
    /// token path's), it is one statement, atomic on its own: no BEGIN and COMMIT round trips, and
    /// the streams that won their race stay written. Otherwise it is a transaction of one statement
    /// per kind, and a lost race rolls the whole batch back: every stream it wrote is planned again.
    private func write(_ requests: [AppendRequest], cached: [String: StreamHead], unknown: [String],
                       recordedAt: Timestamp, route: Route) async throws -> Attempt {
        switch route {
        case .held(let connection):
            return try await attempt(requests, cached: cached, unknown: unknown, recordedAt: recordedAt, on: connection, held: true)
        case .leased(let inUse):
            return try await client.withConnection { connection in
                inUse.set(connection)
                // On the connection's event loop, as a held connection's writer, so that the reply
                // has been read whole when the statement ends (``AppendSQL/confirmCommitted(on:)``).
                return try await connection.onItsEventLoop {
                    try await attempt(requests, cached: cached, unknown: unknown, recordedAt: recordedAt, on: connection, held: false)
                }
            }
        }
    }

    /// ``write(_:cached:unknown:recordedAt:route:)`` on `connection`; a `held` one is checked open
    /// before each statement, and the transaction of several statements (which PostgresNIO writes
    /// without that check) is watched as on a leased connection.
    private func attempt(_ requests: [AppendRequest], cached: [String: StreamHead], unknown: [String],
                         recordedAt: Timestamp, on connection: PostgresConnection, held: Bool) async throws -> Attempt {
        func nextStatement() throws {
            if held { try connection.ensureOpenForNextStatement() }
        }
        if !unknown.isEmpty { try nextStatement() }
        let heads = try await currentHeads(cached: cached, unknown: unknown, on: connection)
        let plan = AppendPlan(requests: requests, currentHeads: heads, recordedAt: recordedAt)
        guard !plan.rows.isEmpty else { return Attempt(plan: plan, recorded: [], lost: []) }
        // One statement: without inline projections, or with rows the write statement can carry.
        let fused = projections.isEmpty ? nil : try fusedProjectionRows(plan)
        if projections.isEmpty || fused != nil {
            try nextStatement()
            let (recorded, lost) = try await AppendSQL.write(plan, before: heads, projections: fused, on: connection, logger: logger)
            return Attempt(plan: plan, recorded: recorded, lost: lost)
        }
        guard held else { return try await transaction(plan, before: heads, on: connection) }
        try nextStatement()
        let inUse = ConnectionInUse()
        inUse.set(connection)
        return try await outcome(of: Task { try await self.transaction(plan, before: heads, on: connection) }, unlessClosed: inUse)
    }

    /// The plan and the inline projections' rows in one transaction, rolled back as a whole when a
    /// stream lost its race (every stream of the plan is then planned again).
    private func transaction(_ plan: AppendPlan, before heads: [String: StreamHead], on connection: PostgresConnection) async throws -> Attempt {
        do {
            return try await connection.withTransaction(logger: logger) { connection in
                let (recorded, lost) = try await AppendSQL.write(plan, before: heads, on: connection, logger: logger)
                guard lost.isEmpty else { throw LostRace(plan: plan) }
                let events = recorded.compactMap { $0 }
                for projection in projections where !events.isEmpty {
                    try await projection.apply(events, on: connection, logger: logger)
                }
                return Attempt(plan: plan, recorded: recorded, lost: lost)
            }
        } catch let error as PostgresTransactionError {
            guard let race = error.closureError as? LostRace, let plan = race.plan else { throw error }
            return Attempt(plan: plan, recorded: Array(repeating: nil, count: plan.rows.count), lost: Set(plan.rows.map(\.streamID)))
        }
    }

    /// The rows the inline projections derive from `plan`, when its write statement can carry them
    /// (only ``EventProjections`` knows how; nil otherwise).
    private func fusedProjectionRows(_ plan: AppendPlan) throws -> FusedProjectionRows? {
        guard projections.count == 1, let projection = projections[0] as? EventProjections else { return nil }
        return try projection.fusedRows(for: plan.rows)
    }

    /// The cached heads, with those the cache does not know read from the database.
    private func currentHeads(cached: [String: StreamHead], unknown: [String],
                              on connection: PostgresConnection) async throws -> [String: StreamHead] {
        unknown.isEmpty ? cached : cached.merging(try await AppendSQL.readHeads(unknown, on: connection, logger: logger)) { $1 }
    }
}

/// Another writer moved a head between this batch's read and its write (every time, when thrown
/// out of the appender).
private struct LostRace: Error {
    var plan: AppendPlan?
}

/// A held connection closed after an attempt of the batch had written part of it.
private struct ClosedBetweenAttempts: Error {}
