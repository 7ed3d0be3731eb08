import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import VellumStore

/// `vellum-bench append`: C concurrent tasks, each appending single-event batches to a stream of its
/// own, through one batching appender, as a server process would (its tasks on the event loops, as
/// the server's request handlers are: ``TaskPlacement``). Prints events/s, transactions/s
/// (events per transaction shows the batching) and the append latency percentiles.
///
/// First it measures a baseline on the same database in the same run: the same number of tasks
/// over the same pool writing the same event rows (sizes, hash, unique keys, insert trigger) with
/// plain multi-row INSERTs of `--baseline-rows` rows, none of the appender's logic. The ratio of
/// the two says how much of what the database takes the appender gets, on any machine.
struct AppendBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append", abstract: "Measure event appends through the batching appender.")

    @Option(help: "Concurrent appending tasks.")
    var concurrency: Int = 64

    @Option(help: "Appends in all, shared among the tasks.")
    var count: Int = 50_000

    @Option(name: .customLong("concurrent-batches"), help: "Batch transactions the appender keeps in flight.")
    var concurrentBatches = 2

    @Option(help: "Untimed appends first, to warm the pool and the database.")
    var warmup: Int = 2_000

    @Option(name: .customLong("tasks-on"), help: "Where the tasks run: event-loops (as the server's request handlers) or pool (Swift's cooperative pool).")
    var placement: TaskPlacement = .eventLoops

    @Option(name: .customLong("baseline-rows"), help: "Rows per INSERT of the baseline (0: no baseline).")
    var baselineRows = 24

    @Option(name: .customLong("database-url"), help: "PostgreSQL URL (env VELLUM_DATABASE_URL).")
    var databaseURL: String?

    @Option(name: .customLong("data-dir"), help: "Embedded cluster directory (env VELLUM_DATA_DIR, default .vellum-bench).")
    var dataDirectory: String?

    func validate() throws {
        guard concurrency >= 1, count >= concurrency else { throw ValidationError("need --concurrency ≥ 1 and --count ≥ --concurrency") }
    }

    func run() async throws {
        let logger = { var logger = Logger(label: "vellum-bench"); logger.logLevel = .warning; return logger }()
        let location = DatabaseLocation.resolve(url: databaseURL, dataDirectory: dataDirectory, defaultDataDirectory: ".vellum-bench")
        let (baseline, measurement) = try await Database.using(location, as: .owner, logger: logger) { database in
            try await database.withClient(logger: logger) { client in
                try await Migrator(client: client, logger: logger).migrate()
            }
            // The appender runs on the pool `vellum serve` gives it (a few connections, no
            // keep-alive, statements planned once per connection); the baseline on a pool of the
            // same settings, as many connections as the default pool has.
            let appenderPool = BatchingAppender.poolConfiguration(from: database.configuration, concurrentBatches: concurrentBatches)
            var baselinePool = appenderPool
            baselinePool.options.maximumConnections = database.configuration.options.maximumConnections
            let baseline = baselineRows > 0 ? try await Database(configuration: baselinePool).withClient(logger: logger) { client in
                try await RowBaseline(tasks: concurrency, rowsPerInsert: baselineRows, placement: placement).measure(count: count, warmup: warmup, client: client)
            } : nil
            return (baseline, try await Database(configuration: appenderPool).withClient(logger: logger) { client in
                try await measure(client: client, logger: logger)
            })
        }
        report(measurement, baseline: baseline)
    }

    struct Measurement {
        var latencies: [Duration]
        var elapsed: Duration
        var transactions: Int
        var events: Int
    }

    /// Warms up, then times `count` appends through one appender running on `client`.
    func measure(client: PostgresClient, logger: Logger) async throws -> Measurement {
        let appender = BatchingAppender(client: client, concurrentBatches: concurrentBatches, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await appender.run() }
            defer { group.cancelAll() }
            let run = UUID().uuidString.prefix(8)
            _ = try await Self.appendAll(appender, streamPrefix: "bench-\(run)-warm", tasks: concurrency, count: warmup, placement: placement)
            let before = appender.statistics
            let start = ContinuousClock.now
            let latencies = try await Self.appendAll(appender, streamPrefix: "bench-\(run)", tasks: concurrency, count: count, placement: placement)
            let elapsed = ContinuousClock.now - start
            let after = appender.statistics
            return Measurement(latencies: latencies, elapsed: elapsed,
                               transactions: after.transactions - before.transactions, events: after.events - before.events)
        }
    }

    /// Runs `count` single-event appends over `tasks` tasks; returns every append's latency.
    static func appendAll(_ appender: BatchingAppender, streamPrefix: String, tasks: Int, count: Int,
                          placement: TaskPlacement) async throws -> [Duration] {
        let payload = #"{"client_id":"bench","scope":"openid profile","redirect_uri":"https://app.example/callback"}"#
        let metadata = #"{"request_id":"00000000-0000-0000-0000-000000000000","remote_ip":"127.0.0.1","actor":"system"}"#
        return try await withThrowingTaskGroup(of: [Duration].self) { group in
            for task in 0..<tasks {
                let share = count / tasks + (task < count % tasks ? 1 : 0)
                group.addTask(executorPreference: placement.nextExecutor()) {
                    var latencies: [Duration] = []
                    latencies.reserveCapacity(share)
                    let stream = "\(streamPrefix)-\(task)"
                    for version in 0..<Int64(share) {
                        let start = ContinuousClock.now
                        _ = try await appender.append(
                            to: stream, expected: version == 0 ? .noStream : .exactly(version),
                            events: [ProposedEvent(type: "BenchmarkEventAppended", payload: payload, metadata: metadata)])
                        latencies.append(ContinuousClock.now - start)
                    }
                    return latencies
                }
            }
            var all: [Duration] = []
            for try await latencies in group { all += latencies }
            return all
        }
    }

    func report(_ measurement: Measurement, baseline: RowBaseline.Result?) {
        let (latencies, elapsed, transactions, events) =
            (measurement.latencies, measurement.elapsed, measurement.transactions, measurement.events)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> String {
            let duration = sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
            let ms = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
            return String(format: "%.2f ms", ms)
        }
        print("appenders:          \(concurrency) on \(placement.rawValue) (batches in flight: \(concurrentBatches))")
        print("events:             \(events) in \(String(format: "%.2f", seconds)) s")
        print("events/s:           \(String(format: "%.0f", Double(events) / seconds))")
        print("transactions/s:     \(String(format: "%.0f", Double(transactions) / seconds))")
        print("events/transaction: \(String(format: "%.1f", Double(events) / Double(max(transactions, 1))))")
        print("latency p50:        \(percentile(0.50))")
        print("latency p99:        \(percentile(0.99))")
        if let baseline {
            let rate = Double(events) / seconds
            print("baseline:           \(String(format: "%.0f", baseline.rowsPerSecond)) rows/s (\(concurrency) tasks, \(baseline.rowsPerInsert)-row INSERTs, \(baseline.rows) rows)")
            print("appender/baseline:  \(String(format: "%.1f", 100 * rate / baseline.rowsPerSecond)) %")
        }
    }
}
