public import Foundation
public import Logging
public import PostgresNIO
public import ServiceLifecycle
import Synchronization
public import VellumCore

/// The one appender of a process (DESIGN.md §3): requests that arrive while a transaction is in
/// flight are written together in the next one. There is no timer: at low load each request is
/// its own batch, and batches grow only when requests queue up behind a commit. Up to
/// `concurrentBatches` transactions (default 2) are in flight at once.
///
/// Correctness does not depend on this process being the only writer: every batch locks the
/// streams it touches and checks each request's expected version against the database.
///
/// It is a `Service`: requests are only written while ``run()`` runs. On graceful shutdown it
/// refuses new requests, writes those already queued, then returns.
public final class BatchingAppender: Service, Sendable {
    private struct Pending {
        let request: AppendRequest
        let continuation: CheckedContinuation<[RecordedEvent], any Error>
        /// The asking request's ``RequestDeadline``, if any.
        let deadline: ContinuousClock.Instant?
    }

    private struct State {
        var pending: [Pending] = []
        /// Writers waiting for requests.
        var idleWriters: [CheckedContinuation<Void, Never>] = []
        var isShuttingDown = false
        var statistics = AppendStatistics()
    }

    private let client: PostgresClient
    private let projections: [any InlineProjection]
    private let now: @Sendable () -> Timestamp
    private let maximumBatchEvents: Int
    private let concurrentBatches: Int
    private let logger: Logger
    private let state = Mutex(State())
    /// Heads this process wrote or read: most batches plan on them without reading the heads back.
    let heads = HeadCache()

    /// An appender writing through `client`, applying `projections` in each batch's transaction.
    ///
    /// - Parameters:
    ///   - now: the clock that stamps `recorded_at`.
    ///   - maximumBatchEvents: the most events one transaction carries; more wait for the next.
    ///   - concurrentBatches: how many batch transactions may be in flight at once. Two let one
    ///     batch be built and sent while the other waits on the database, which nearly doubles
    ///     throughput under load; batches touching the same stream still serialize on its row lock.
    public init(
        client: PostgresClient,
        projections: [any InlineProjection] = [],
        now: @escaping @Sendable () -> Timestamp = { Timestamp(Date()) },
        maximumBatchEvents: Int = 2_000,
        concurrentBatches: Int = 2,
        logger: Logger
    ) {
        self.client = client
        self.projections = projections
        self.now = now
        self.maximumBatchEvents = maximumBatchEvents
        self.concurrentBatches = max(1, concurrentBatches)
        self.logger = logger
    }

    /// Appends `events` to `streamID` if the stream is at `expected`, and returns them as recorded.
    ///
    /// - Throws: ``AppendError/wrongExpectedVersion(streamID:expected:actual:)`` when another
    ///   writer got there first (re-read and retry), or another ``AppendError``.
    public func append(
        to streamID: String, expected: ExpectedVersion, events: [ProposedEvent]
    ) async throws -> [RecordedEvent] {
        try await append(AppendRequest(streamID: streamID, expected: expected, events: events))
    }

    /// Appends one request; see ``append(to:expected:events:)``.
    public func append(_ request: AppendRequest) async throws -> [RecordedEvent] {
        guard !request.events.isEmpty else { throw AppendError.empty(streamID: request.streamID) }
        let deadline = RequestDeadline.current
        return try await withCheckedThrowingContinuation { continuation in
            let writer = state.withLock { state -> CheckedContinuation<Void, Never>? in
                if state.isShuttingDown {
                    continuation.resume(throwing: AppendError.shuttingDown)
                    return nil
                }
                state.pending.append(Pending(request: request, continuation: continuation, deadline: deadline))
                return state.idleWriters.popLast()
            }
            writer?.resume()
        }
    }

    /// What has been committed so far.
    public var statistics: AppendStatistics { state.withLock { $0.statistics } }

    /// Writes batches until graceful shutdown (or cancellation), then drains what is queued.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await withDiscardingTaskGroup { group in
                    for _ in 0..<concurrentBatches {
                        group.addTask {
                            while let batch = await self.nextBatch() {
                                await self.write(batch)
                            }
                        }
                    }
                }
            } onCancel: {
                self.beginShutdown()
            }
        } onGracefulShutdown: {
            self.beginShutdown()
        }
    }

    private func beginShutdown() {
        let writers = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.isShuttingDown = true
            defer { state.idleWriters = [] }
            return state.idleWriters
        }
        writers.forEach { $0.resume() }
    }

    /// The next requests to write, up to the batch limit; nil once shut down and drained.
    private func nextBatch() async -> [Pending]? {
        while true {
            let now = ContinuousClock.now
            let (batch, expired) = state.withLock { state -> ([Pending]?, [Pending]) in
                let expired = state.pending.filter { $0.deadline.map { $0 <= now } ?? false }
                if !expired.isEmpty { state.pending.removeAll { $0.deadline.map { $0 <= now } ?? false } }
                guard !state.pending.isEmpty else { return (state.isShuttingDown ? nil : [], expired) }
                var count = 0
                var events = 0
                var taken = 0
                for pending in state.pending {
                    events += pending.request.events.count
                    if count > 0 && events > maximumBatchEvents { break }
                    count += 1
                    taken = events
                }
                defer { state.pending.removeFirst(count) }
                AppenderMetrics.queued(state.pending.count - count)
                AppenderMetrics.batch(events: taken)
                return (Array(state.pending.prefix(count)), expired)
            }
            for pending in expired { pending.continuation.resume(throwing: AppendError.expired(streamID: pending.request.streamID)) }
            guard let batch else { return nil }
            if !batch.isEmpty { return batch }
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if !state.pending.isEmpty || state.isShuttingDown { return true }
                    state.idleWriters.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }

    /// Writes one batch in one transaction. If the transaction fails, each request is retried
    /// alone (a few times), so that one bad request fails only itself. The failed transaction may
    /// have committed all the same (the connection dropped after COMMIT, before its reply): a retry
    /// that finds its stream moved on looks for its own command's events there and, finding them,
    /// answers with them, so the caller never decides again on its own write.
    private func write(_ batch: [Pending], attempt: Int = 0) async {
        let requests = batch.map(\.request)
        do {
            let outcomes = try await writeTransactionWhileConnected(requests, afterUnknownOutcome: attempt > 0)
            for (pending, outcome) in zip(batch, outcomes) {
                pending.continuation.resume(with: outcome)
            }
        } catch {
            guard attempt < Self.retriesAlone else {
                logger.error("append failed", metadata: [
                    "stream": "\(requests[0].streamID)", "error": "\(String(reflecting: error))"])
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
        let work = Task { try await self.writeTransaction(requests, afterUnknownOutcome: afterUnknownOutcome, connection: connection) }
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

    private func writeTransaction(
        _ requests: [AppendRequest], afterUnknownOutcome: Bool, connection: ConnectionInUse
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
                attempt = try await write(batch, cached: cached, unknown: unknown, recordedAt: recordedAt, connection: connection)
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
                       recordedAt: Timestamp, connection inUse: ConnectionInUse) async throws -> Attempt {
        do {
            return try await client.withConnection { connection in
                inUse.set(connection)
                let heads = try await currentHeads(cached: cached, unknown: unknown, on: connection)
                let plan = AppendPlan(requests: requests, currentHeads: heads, recordedAt: recordedAt)
                guard !plan.rows.isEmpty else { return Attempt(plan: plan, recorded: [], lost: []) }
                if projections.isEmpty {
                    let (recorded, lost) = try await AppendSQL.write(plan, before: heads, on: connection, logger: logger)
                    return Attempt(plan: plan, recorded: recorded, lost: lost)
                }
                if let fused = try fusedProjectionRows(plan) {
                    let (recorded, lost) = try await AppendSQL.write(plan, before: heads, projections: fused, on: connection, logger: logger)
                    return Attempt(plan: plan, recorded: recorded, lost: lost)
                }
                return try await connection.withTransaction(logger: logger) { connection in
                    let (recorded, lost) = try await AppendSQL.write(plan, before: heads, on: connection, logger: logger)
                    guard lost.isEmpty else { throw LostRace(plan: plan) }
                    let events = recorded.compactMap { $0 }
                    for projection in projections where !events.isEmpty {
                        try await projection.apply(events, on: connection, logger: logger)
                    }
                    return Attempt(plan: plan, recorded: recorded, lost: lost)
                }
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
