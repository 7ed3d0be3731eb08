public import Foundation
public import Logging
public import PostgresNIO
public import ServiceLifecycle
import Synchronization
public import VellumCore

/// The one appender of a process (DESIGN.md §3): requests that arrive while a transaction is in
/// flight are written together in the next one. There is no timer: at low load each request is
/// its own batch, and batches grow only when requests queue up behind a commit.
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
    }

    private struct State {
        var pending: [Pending] = []
        var wakeUp: CheckedContinuation<Void, Never>?
        var isShuttingDown = false
        var statistics = AppendStatistics()
    }

    private let client: PostgresClient
    private let projections: [any InlineProjection]
    private let now: @Sendable () -> Timestamp
    private let maximumBatchEvents: Int
    private let logger: Logger
    private let state = Mutex(State())

    /// An appender writing through `client`, applying `projections` in each batch's transaction.
    ///
    /// - Parameters:
    ///   - now: the clock that stamps `recorded_at`.
    ///   - maximumBatchEvents: the most events one transaction carries; more wait for the next.
    public init(
        client: PostgresClient,
        projections: [any InlineProjection] = [],
        now: @escaping @Sendable () -> Timestamp = { Timestamp(Date()) },
        maximumBatchEvents: Int = 2_000,
        logger: Logger
    ) {
        self.client = client
        self.projections = projections
        self.now = now
        self.maximumBatchEvents = maximumBatchEvents
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
        return try await withCheckedThrowingContinuation { continuation in
            let wakeUp = state.withLock { state -> CheckedContinuation<Void, Never>? in
                if state.isShuttingDown {
                    continuation.resume(throwing: AppendError.shuttingDown)
                    return nil
                }
                state.pending.append(Pending(request: request, continuation: continuation))
                defer { state.wakeUp = nil }
                return state.wakeUp
            }
            wakeUp?.resume()
        }
    }

    /// What has been committed so far.
    public var statistics: AppendStatistics { state.withLock { $0.statistics } }

    /// Writes batches until graceful shutdown (or cancellation), then drains what is queued.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                while let batch = await nextBatch() {
                    await write(batch)
                }
            } onCancel: {
                self.beginShutdown()
            }
        } onGracefulShutdown: {
            self.beginShutdown()
        }
    }

    private func beginShutdown() {
        let wakeUp = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.isShuttingDown = true
            defer { state.wakeUp = nil }
            return state.wakeUp
        }
        wakeUp?.resume()
    }

    /// The next requests to write, up to the batch limit; nil once shut down and drained.
    private func nextBatch() async -> [Pending]? {
        while true {
            let batch = state.withLock { state -> [Pending]? in
                guard !state.pending.isEmpty else { return state.isShuttingDown ? nil : [] }
                var count = 0
                var events = 0
                for pending in state.pending {
                    events += pending.request.events.count
                    if count > 0 && events > maximumBatchEvents { break }
                    count += 1
                }
                defer { state.pending.removeFirst(count) }
                return Array(state.pending.prefix(count))
            }
            guard let batch else { return nil }
            if !batch.isEmpty { return batch }
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if !state.pending.isEmpty || state.isShuttingDown { return true }
                    state.wakeUp = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }

    /// Writes one batch in one transaction. If the transaction fails and the batch holds several
    /// requests, each is retried alone, so that one bad request fails only itself.
    private func write(_ batch: [Pending]) async {
        let requests = batch.map(\.request)
        do {
            let outcomes = try await writeTransaction(requests)
            for (pending, outcome) in zip(batch, outcomes) {
                pending.continuation.resume(with: outcome)
            }
        } catch {
            if batch.count > 1 {
                logger.warning("append batch failed; retrying its requests one by one",
                               metadata: ["requests": "\(batch.count)", "error": "\(String(reflecting: error))"])
                for pending in batch { await write([pending]) }
            } else {
                logger.error("append failed", metadata: [
                    "stream": "\(requests[0].streamID)", "error": "\(String(reflecting: error))"])
                batch[0].continuation.resume(throwing: AppendError.storage("\(type(of: error))"))
            }
        }
    }

    private func writeTransaction(_ requests: [AppendRequest]) async throws -> [Result<[RecordedEvent], AppendError>] {
        let recordedAt = now()
        let streamIDs = Array(Set(requests.map(\.streamID))).sorted()
        let (plan, recorded) = try await client.withTransaction(logger: logger) { connection in
            let heads = try await AppendSQL.lockHeads(streamIDs, on: connection, logger: logger)
            let plan = AppendPlan(requests: requests, currentHeads: heads, recordedAt: recordedAt)
            guard !plan.rows.isEmpty else { return (plan, [RecordedEvent]()) }
            let recorded = try await AppendSQL.insert(plan.rows, on: connection, logger: logger)
            try await AppendSQL.updateHeads(plan.heads, on: connection, logger: logger)
            for projection in projections {
                try await projection.apply(recorded, on: connection, logger: logger)
            }
            return (plan, recorded)
        }
        let outcomes = plan.outcomes.map { outcome in outcome.map { Array(recorded[$0]) } }
        state.withLock { state in
            if !recorded.isEmpty { state.statistics.transactions += 1 }
            state.statistics.events += recorded.count
            state.statistics.requests += outcomes.count { (try? $0.get()) != nil }
        }
        return outcomes
    }
}
