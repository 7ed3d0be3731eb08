import Foundation

/// A `vellum serve` this benchmark starts as a child process on an embedded cluster of its own,
/// after setting it up with the operator commands (`migrate`, `clients create`, `users create`),
/// and whose CPU time, and PostgreSQL's, it reads from /proc.
final class ServedVellum: @unchecked Sendable {
    let binary: String
    let dataDirectory: String
    let port: Int
    private var process: Process?
    private var username: String?

    /// The user `setUp` created.
    func lastUsername() throws -> String {
        guard let username else { throw BenchError("no user was created") }
        return username
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }
    static let redirectURI = "http://127.0.0.1:9/callback"

    init(binary: String, dataDirectory: String, port: Int) {
        self.binary = binary
        self.dataDirectory = dataDirectory
        self.port = port
    }

    /// The `vellum` built beside this benchmark (`.build/release/vellum`).
    static func siblingBinary() -> String {
        URL(filePath: CommandLine.arguments[0]).deletingLastPathComponent().appending(path: "vellum").path
    }

    /// Runs `vellum arguments…` to completion with `input` on standard input; returns its output.
    @discardableResult
    func run(_ arguments: [String], input: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(filePath: binary)
        process.arguments = arguments + ["--data-dir", dataDirectory]
        let output = Pipe(), stdin = Pipe()
        process.standardOutput = output
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError("vellum \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Creates a confidential client with refresh tokens and a user; returns the client's id and secret.
    func setUp(username: String, password: String) throws -> (clientID: String, secret: String) {
        try run(["migrate"])
        let client = try JSONSerialization.jsonObject(with: Data(try run([
            "clients", "create", "--name", "bench", "--redirect-uri", Self.redirectURI, "--scope", "openid profile",
            "--refresh-tokens", "--json",
        ]).utf8)) as? [String: Any]
        guard let clientID = client?["client_id"] as? String, let secret = client?["client_secret"] as? String else {
            throw BenchError("vellum clients create printed no client")
        }
        try run(["users", "create", "--username", username, "--password-stdin", "--json"], input: password + "\n")
        self.username = username
        return (clientID, secret)
    }

    /// Starts `vellum serve` (codes live an hour, so pre-created ones outlast the run) and waits
    /// until it answers `/readyz`.
    func start() async throws {
        let process = Process()
        process.executableURL = URL(filePath: binary)
        process.arguments = ["serve", "--data-dir", dataDirectory, "--port", String(port)]
        var environment = ProcessInfo.processInfo.environment
        environment["VELLUM_CODE_TTL"] = "3600"
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        self.process = process
        for _ in 0..<600 {
            if let (_, status) = try? await HTTPProbe.get(baseURL + "/readyz"), status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchError("vellum serve did not become ready on port \(port)")
    }

    /// The server's peak resident memory so far, in MiB (`VmHWM`).
    func peakMemoryMiB() -> Double? {
        guard let process, let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return nil }
        return kilobytes / 1024
    }

    /// Stops the server (SIGTERM, as an operator would) and waits for it.
    func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// CPU seconds used so far by the server process and by the PostgreSQL cluster (the
    /// postmaster, its live backends, and the backends it has reaped).
    func cpuSeconds() -> (server: Double, database: Double) {
        let server = process.map { ProcStat.read(pid: $0.processIdentifier).map { $0.own } ?? 0 } ?? 0
        var database = 0.0
        if let text = try? String(contentsOfFile: dataDirectory + "/postgres/postmaster.pid", encoding: .utf8),
           let line = text.split(separator: "\n").first, let postmaster = Int32(line) {
            database = ProcStat.read(pid: postmaster).map { $0.own + $0.reapedChildren } ?? 0
            for child in ProcStat.children(of: postmaster) { database += ProcStat.read(pid: child)?.own ?? 0 }
        }
        return (server, database)
    }
}

/// `/proc/PID/stat`: CPU time in seconds.
enum ProcStat {
    static let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))

    static func read(pid: Int32) -> (own: Double, reapedChildren: Double, parent: Int32)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // Fields after the command name: state ppid … utime(14) stime(15) cutime(16) cstime(17).
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 15, let parent = Int32(fields[1]), let utime = Double(fields[11]), let stime = Double(fields[12]),
              let cutime = Double(fields[13]), let cstime = Double(fields[14]) else { return nil }
        return ((utime + stime) / ticks, (cutime + cstime) / ticks, parent)
    }

    static func children(of parent: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { read(pid: $0)?.parent == parent }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
