import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import Synchronization
import VellumStore

/// `vellum-bench http`: drives a real `vellum serve` (started here, on a cluster of its own) over
/// HTTP with C concurrent keep-alive clients, scenario by scenario, and prints throughput, latency
/// percentiles, the CPU time the server, PostgreSQL and this load generator spent per operation
/// (from /proc), and how many cores the three kept busy together.
struct HTTPBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http", abstract: "Measure Vellum's HTTP endpoints end to end against a vellum serve it starts.")

    enum Scenario: String, CaseIterable, ExpressibleByArgument {
        /// `POST /token` for codes created beforehand (PKCE, client_secret_basic).
        case token
        /// `GET /authorize` to a code (existing session, remembered consent), then `POST /token`.
        case flow
        /// `POST /token` with `grant_type=refresh_token`, rotating.
        case refresh
        case introspect
        case userinfo
        /// A fresh browser logs in: authorize, the login page, the password (bcrypt).
        case login
        /// `GET /healthz`: no database, no crypto; the floor the framework and the load generator set.
        case healthz
    }

    @Option(help: "Scenarios, comma-separated: healthz, token, flow, refresh, introspect, userinfo, login.")
    var scenarios = "healthz,token,flow,refresh,introspect,userinfo,login"

    @Option(help: "Concurrent clients, comma-separated (one run per value).")
    var concurrency = "32"

    @Option(help: "Operations per run (at most).")
    var requests = 4_000

    @Option(help: "Seconds per run (at most).")
    var seconds = 20.0

    @Option(name: .customLong("data-dir"), help: "The cluster directory of the server it starts.")
    var dataDirectory = ".vellum-bench-http"

    @Option(help: "Port for the server.")
    var port = 18080

    @Option(help: "The vellum binary (default: the one beside this benchmark).")
    var vellum: String?

    @Option(name: .customLong("log-size"), help: "Events of realistic flows written to the log first (8 per flow), to compare a large log with a small one.")
    var logSize = 0

    func run() async throws {
        let scenarios = try scenarios.split(separator: ",").map { name in
            guard let scenario = Scenario(rawValue: String(name)) else { throw ValidationError("unknown scenario \(name)") }
            return scenario
        }
        let levels = try concurrency.split(separator: ",").map { text in
            guard let value = Int(text), value > 0 else { throw ValidationError("--concurrency takes positive numbers") }
            return value
        }
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let served = ServedVellum(binary: vellum ?? ServedVellum.siblingBinary(), dataDirectory: dataDirectory, port: port)
        let password = "bench-password-\(UUID().uuidString.prefix(8))"
        let (clientID, secret) = try served.setUp(username: "bench-\(UUID().uuidString.prefix(8))", password: password)
        let username = try served.lastUsername()
        if logSize > 0 { try await prefill(logSize) }
        try await served.start()
        defer { served.stop() }
        if logSize > 0 { try await waitForCatchUp() }

        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: .init(
            redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(30)),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: (levels.max() ?? 1) + 4)))
        do {
            try await runLevels(levels, scenarios: scenarios, http: http, served: served,
                                client: VirtualUser.Client(baseURL: served.baseURL, clientID: clientID, secret: secret),
                                username: username, password: password)
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
        if let peak = served.peakMemoryMiB() { print("server peak RSS: \(String(format: "%.0f", peak)) MiB") }
    }

    /// Writes `events` events of complete flows before the server starts, with the inline
    /// projections, as if earlier traffic had written them (the server seals and indexes them).
    private func prefill(_ events: Int) async throws {
        let logger = { var logger = Logger(label: "vellum-bench"); logger.logLevel = .warning; return logger }()
        let start = ContinuousClock.now
        try await Database.using(.embedded(dataDirectory: dataDirectory), logger: logger) { database in
            try await database.withStore(logger: logger) { store in
                try await SyntheticFlow.append(events / 8, concurrency: 32, to: store)
            }
        }
        print("log: \(events / 8 * 8) events of earlier flows written in \(String(format: "%.0f", (ContinuousClock.now - start).seconds)) s")
    }

    /// Waits until the server has sealed and indexed the log it found (its catch-up would
    /// otherwise run during the measurements).
    private func waitForCatchUp() async throws {
        let logger = { var logger = Logger(label: "vellum-bench"); logger.logLevel = .warning; return logger }()
        let start = ContinuousClock.now
        try await Database.using(.embedded(dataDirectory: dataDirectory), logger: logger) { database in
            try await database.withClient(logger: logger) { client in
                while true {
                    var behind: Int64 = 0
                    for try await count in try await client.query("""
                        SELECT count(*)::int8 FROM projection_checkpoints c
                        WHERE c.name IN ('sealer', 'audit_index')
                          AND NOT EXISTS (SELECT 1 FROM events e WHERE (e.tx_id, e.position) > (c.tx_id, c.position))
                        """).decode(Int64.self) { behind = 2 - count }
                    if behind == 0 { return }
                    try await Task.sleep(for: .seconds(1))
                }
            }
        }
        print("caught up: the server sealed and indexed the log in \(String(format: "%.0f", (ContinuousClock.now - start).seconds)) s")
    }

    private func runLevels(_ levels: [Int], scenarios: [Scenario], http: HTTPClient, served: ServedVellum,
                           client: VirtualUser.Client, username: String, password: String) async throws {
        print("scenario    clients      ops    ops/s      p50      p95      p99      max  server CPU/op  db CPU/op  bench CPU/op  cores busy  errors")
        for level in levels {
            var users: [VirtualUser] = []
            for _ in 0..<level {
                var user = VirtualUser(http: http, client: client)
                try await user.signIn(username: username, password: password)
                users.append(user)
            }
            for scenario in scenarios {
                let result = try await measure(scenario, users: users, username: username, password: password, served: served)
                print(result.line(scenario.rawValue, clients: level))
            }
        }
    }

    private func measure(_ scenario: Scenario, users: [VirtualUser], username: String, password: String,
                         served: ServedVellum) async throws -> LoadResult {
        let share = (requests + users.count - 1) / users.count
        switch scenario {
        case .token:
            // Codes first (untimed), as many as the run may redeem.
            let prepared = try await Self.prepare(users) { user in
                var codes: [String] = []
                for _ in 0..<share { codes.append(try await user.code()) }
                return codes
            }
            return try await LoadRun.run(prepared, requests: requests, seconds: seconds, served: served) { state in
                guard let code = state.1.popLast() else { throw LoadRun.Exhausted() }
                _ = try await state.0.redeem(code)
            }
        case .flow:
            return try await LoadRun.run(users.map { ($0, ()) }, requests: requests, seconds: seconds, served: served) { state in
                _ = try await state.0.redeem(try await state.0.code())
            }
        case .refresh:
            let prepared = try await Self.prepare(users) { user in try await Self.tokens(&user)["refresh_token"] as? String ?? "" }
            return try await LoadRun.run(prepared, requests: requests, seconds: seconds, served: served) { state in
                guard let next = try await state.0.refresh(state.1)["refresh_token"] as? String else { throw BenchError("no refresh token") }
                state.1 = next
            }
        case .introspect, .userinfo:
            let prepared = try await Self.prepare(users) { user in try await Self.tokens(&user)["access_token"] as? String ?? "" }
            return try await LoadRun.run(prepared, requests: requests, seconds: seconds, served: served) { state in
                if scenario == .introspect { try await state.0.introspect(state.1) } else { try await state.0.userinfo(state.1) }
            }
        case .login:
            return try await LoadRun.run(users.map { ($0, ()) }, requests: requests, seconds: seconds, served: served) { state in
                try await state.0.logInAfresh(username: username, password: password)
            }
        case .healthz:
            return try await LoadRun.run(users.map { ($0, ()) }, requests: requests, seconds: seconds, served: served) { state in
                let answer = try await state.0.get("/healthz")
                guard answer.status == 200 else { throw BenchError("healthz answered \(answer.status)") }
            }
        }
    }

    private static func tokens(_ user: inout VirtualUser) async throws -> [String: Any] {
        try await user.redeem(try await user.code())
    }

    /// Per user, its state for a run, made concurrently (untimed).
    private static func prepare<State: Sendable>(
        _ users: [VirtualUser], _ make: @escaping @Sendable (inout VirtualUser) async throws -> State
    ) async throws -> [(VirtualUser, State)] {
        try await withThrowingTaskGroup(of: (Int, VirtualUser, State).self) { group in
            for (index, user) in users.enumerated() {
                group.addTask {
                    var user = user
                    let state = try await make(&user)
                    return (index, user, state)
                }
            }
            var prepared: [(Int, VirtualUser, State)] = []
            for try await item in group { prepared.append(item) }
            return prepared.sorted { $0.0 < $1.0 }.map { ($0.1, $0.2) }
        }
    }
}

/// What one run measured.
struct LoadResult {
    var operations = 0
    var errors = 0
    var elapsed = 0.0
    var latencies: [Double] = []
    var serverCPU = 0.0
    var databaseCPU = 0.0
    /// This process's own CPU: the load generator shares the machine with the server and PostgreSQL.
    var benchCPU = 0.0

    func line(_ scenario: String, clients: Int) -> String {
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> String {
            guard !sorted.isEmpty else { return "-" }
            return String(format: "%.2f", sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000)
        }
        let perOperation = { (seconds: Double) in operations == 0 ? "-" : String(format: "%.3f ms", seconds * 1000 / Double(operations)) }
        func pad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        return scenario.padding(toLength: 10, withPad: " ", startingAt: 0) + pad(String(clients), 9) + pad(String(operations), 9)
            + pad(String(format: "%.0f", Double(operations) / max(elapsed, 0.001)), 9) + pad(percentile(0.5), 9) + pad(percentile(0.95), 9)
            + pad(percentile(0.99), 9) + pad(sorted.last.map { String(format: "%.2f", $0 * 1000) } ?? "-", 9)
            + pad(perOperation(serverCPU), 15) + pad(perOperation(databaseCPU), 11) + pad(perOperation(benchCPU), 14)
            + pad(String(format: "%.2f", (serverCPU + databaseCPU + benchCPU) / max(elapsed, 0.001)), 12) + pad(String(errors), 8)
    }
}

enum LoadRun {
    /// A task has nothing left to do (its prepared codes are used up).
    struct Exhausted: Error {}

    /// Runs `step` from one task per state until `requests` operations are done or `seconds` pass;
    /// latencies in seconds, CPU from /proc over the run.
    static func run<State: Sendable>(
        _ states: [(VirtualUser, State)], requests: Int, seconds: Double, served: ServedVellum,
        _ step: @escaping @Sendable (inout (VirtualUser, State)) async throws -> Void
    ) async throws -> LoadResult {
        let claimed = Claims()
        let cpuBefore = served.cpuSeconds()
        let benchBefore = ProcStat.read(pid: getpid())?.own ?? 0
        let start = ContinuousClock.now
        let deadline = start + .milliseconds(Int(seconds * 1000))
        let perTask = try await withThrowingTaskGroup(of: ([Double], Int).self) { group in
            for state in states {
                group.addTask {
                    var state = state
                    var latencies: [Double] = []
                    var errors = 0
                    while claimed.next() <= requests, ContinuousClock.now < deadline {
                        let began = ContinuousClock.now
                        do {
                            try await step(&state)
                            let took = ContinuousClock.now - began
                            latencies.append(Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18)
                        } catch is LoadRun.Exhausted {
                            break
                        } catch {
                            errors += 1
                            if errors > 100 { throw error }
                        }
                    }
                    return (latencies, errors)
                }
            }
            var all: [([Double], Int)] = []
            for try await item in group { all.append(item) }
            return all
        }
        let elapsed = ContinuousClock.now - start
        let cpuAfter = served.cpuSeconds()
        let benchAfter = ProcStat.read(pid: getpid())?.own ?? 0
        var result = LoadResult()
        result.latencies = perTask.flatMap(\.0)
        result.operations = result.latencies.count
        result.errors = perTask.map(\.1).reduce(0, +)
        result.elapsed = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        result.serverCPU = cpuAfter.server - cpuBefore.server
        result.databaseCPU = cpuAfter.database - cpuBefore.database
        result.benchCPU = benchAfter - benchBefore
        return result
    }
}

/// Operations handed out so far, shared by a run's tasks.
final class Claims: Sendable {
    private let count = Mutex(0)

    func next() -> Int {
        count.withLock { count in
            count += 1
            return count
        }
    }
}
