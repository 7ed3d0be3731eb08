public import Foundation
public import Logging
public import PostgresNIO
public import ServiceLifecycle
import Synchronization
public import VellumCore

/// The one appender of a process (DESIGN.md §3): requests that arrive while a transaction is in
/// flight are written together in the next one. There is no timer: at low load each request is
/// its own batch, and batches grow only when requests queue up behind a commit. Up to
/// `concurrentBatches` transactions (default 2) are in flight at once, each written by a writer
/// that holds a connection of the appender's pool and runs on its event loop; a second one starts
/// beside the first only when it carries as many events (``BatchFormation``).
///
/// Correctness does not depend on this process being the only writer: every batch moves a stream's
/// head only if it is still at the version planned on, in the database.
///
/// It is a `Service`: requests are only written while ``run()`` runs. On graceful shutdown it
/// refuses new requests, writes those already queued, then returns.
public final class BatchingAppender: Service, Sendable {
    struct Pending {
        let request: AppendRequest
        let continuation: CheckedContinuation<[RecordedEvent], any Error>
        /// The asking request's ``RequestDeadline``, if any.
        let deadline: ContinuousClock.Instant?
    }

    struct State {
        var pending: [Pending] = []
        /// Writers waiting for requests.
        var idleWriters: [CheckedContinuation<Void, Never>] = []
        var isShuttingDown = false
        /// The events in `pending`.
        var pendingEvents = 0
        /// The events of each batch being written.
        var inFlight: [Int] = []

        /// Whether a writer should take a batch now (``BatchFormation/shouldStart(pendingEvents:inFlight:isShuttingDown:)``).
        var batchIsReady: Bool {
            BatchFormation.shouldStart(pendingEvents: pendingEvents, inFlight: inFlight, isShuttingDown: isShuttingDown)
        }
        var statistics = AppendStatistics()
    }

    let client: PostgresClient
    let projections: [any InlineProjection]
    let now: @Sendable () -> Timestamp
    private let maximumBatchEvents: Int
    private let concurrentBatches: Int
    let logger: Logger
    let state = Mutex(State())
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
                state.pendingEvents += request.events.count
                return state.batchIsReady ? state.idleWriters.popLast() : nil
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
                        group.addTask { await self.writeBatches() }
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

    /// The next requests to write, up to the batch limit, once ``State/batchIsReady``; nil once shut
    /// down and drained. A writer that has just written a batch says how many events it held.
    func nextBatch(after finished: Int? = nil) async -> [Pending]? {
        var finished = finished
        while true {
            let now = ContinuousClock.now
            let (batch, expired) = state.withLock { state -> ([Pending]?, [Pending]) in
                if let events = finished, let index = state.inFlight.firstIndex(of: events) {
                    state.inFlight.remove(at: index)
                }
                let expired = state.pending.filter { $0.deadline.map { $0 <= now } ?? false }
                if !expired.isEmpty {
                    state.pending.removeAll { $0.deadline.map { $0 <= now } ?? false }
                    state.pendingEvents -= expired.eventCount
                }
                guard state.batchIsReady else { return (state.pending.isEmpty && state.isShuttingDown ? nil : [], expired) }
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
                state.pendingEvents -= taken
                state.inFlight.append(taken)
                AppenderMetrics.queued(state.pending.count - count)
                AppenderMetrics.batch(events: taken)
                return (Array(state.pending.prefix(count)), expired)
            }
            finished = nil
            for pending in expired { pending.continuation.resume(throwing: AppendError.expired(streamID: pending.request.streamID)) }
            guard let batch else { return nil }
            if !batch.isEmpty { return batch }
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.batchIsReady || state.isShuttingDown { return true }
                    state.idleWriters.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }
}

extension [BatchingAppender.Pending] {
    /// The events of the requests.
    var eventCount: Int { reduce(0) { $0 + $1.request.events.count } }
}
