import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import VellumCore
import VellumTestSupport

/// Runs the real `vellum` binary as an operator would: `vellum serve` on the embedded cluster,
/// then Ctrl-C (SIGINT).
@Suite("vellum serve on the embedded PostgreSQL")
struct ServeCommandTests {
    /// The `vellum` executable that `swift test` built next to the test bundle.
    private static var executable: URL? { Commands.executable("vellum") }

    private static func postgresProcesses(dataDirectory: String) -> [String] {
        Commands.postgresProcesses(dataDirectory: dataDirectory)
    }

    private static func status(_ url: URL) async -> Int? {
        var request = URLRequest(url: url)
        request.timeoutInterval = 2
        guard let (_, response) = try? await URLSession.shared.data(for: request) else { return nil }
        return (response as? HTTPURLResponse)?.statusCode
    }

    /// Runs the CLI to completion; returns its exit status and standard output (with standard
    /// error when `errors`).
    private static func run(_ executable: URL, _ arguments: [String], input: String? = nil, errors: Bool = false,
                            environment extra: [String: String] = [:]) async throws -> (status: Int32, output: String) {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("VELLUM_") }
        environment["VELLUM_LOG_LEVEL"] = "error"
        let finished = try await runToEnd(executable, arguments, input: input ?? "",
                                          environment: environment.merging(extra) { $1 }, mergingErrors: errors)
        return (finished.status, finished.output)
    }

    /// `--version` on the command and on each subcommand, from the one version constant.
    @Test(arguments: [["--version"], ["serve", "--version"], ["clients", "create", "--version"], ["projections", "rebuild", "--version"]])
    func everyCommandSaysItsVersion(arguments: [String]) async throws {
        let executable = try #require(Self.executable, "the vellum binary should be built beside the tests")
        let (status, output) = try await Self.run(executable, arguments)
        #expect(status == 0)
        #expect(output == VellumVersion.current + "\n")
    }

    /// Every setting the README lists is in `vellum serve --help`, with its variable.
    @Test func everySettingIsInTheHelp() async throws {
        let executable = try #require(Self.executable, "the vellum binary should be built beside the tests")
        let help = try await Self.run(executable, ["serve", "--help"]).output.replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: "  ", with: " ")
        let readme = try String(contentsOf: URL(filePath: #filePath).deletingLastPathComponent()
            .appending(path: "../../README.md").standardized, encoding: .utf8)
        let documented = Set(readme.matches(of: /`(VELLUM_[A-Z_]+)`/).map { String($0.1) })
        #expect(documented.count >= 25)
        for variable in documented.subtracting(["VELLUM_MASTER_KEY"]) {
            #expect(help.contains(variable), "\(variable) is in the README but not in vellum serve --help")
        }
    }

    /// The command line wins over the environment, the environment over the file; a value that
    /// is not what its setting takes stops the command with the setting's name, before any database.
    @Test func settingsComeFromTheCommandLineTheEnvironmentAndAFile() async throws {
        let executable = try #require(Self.executable, "the vellum binary should be built beside the tests")
        let file = FileManager.default.temporaryDirectory.appending(path: "vellum-\(UUID().uuidString.prefix(8)).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(#"{"code_ttl": "soon", "access_log": "maybe", "data_dir": "/nonexistent/never-created"}"#.utf8).write(to: file)

        let fromFile = try await Self.run(executable, ["serve", "--config", file.path], errors: true)
        #expect(fromFile.status != 0 && fromFile.output.contains("VELLUM_CODE_TTL"), "\(fromFile.output)")
        let fromEnvironment = try await Self.run(executable, ["serve", "--config", file.path], errors: true, environment: ["VELLUM_CODE_TTL": "0"])
        #expect(fromEnvironment.status != 0 && fromEnvironment.output.contains("VELLUM_CODE_TTL must be a positive"), "\(fromEnvironment.output)")
        let fromCommandLine = try await Self.run(executable, ["serve", "--config", file.path, "--code-ttl", "30"], errors: true,
                                           environment: ["VELLUM_CODE_TTL": "0"])
        #expect(fromCommandLine.status != 0 && !fromCommandLine.output.contains("VELLUM_CODE_TTL")
                && fromCommandLine.output.contains("VELLUM_ACCESS_LOG must be on or off"), "\(fromCommandLine.output)")
        let missing = try await Self.run(executable, ["serve", "--config", "/nonexistent.json"], errors: true)
        #expect(missing.status != 0 && missing.output.contains("--config /nonexistent.json"), "\(missing.output)")
        #expect(!FileManager.default.fileExists(atPath: "/nonexistent/never-created"))
    }

    @Test(.timeLimit(.minutes(2)))
    func serveStartsTheEmbeddedDatabaseAndStopsItOnInterrupt() async throws {
        let executable = try #require(Self.executable, "the vellum binary should be built beside the tests")
        let dataDirectory = FileManager.default.temporaryDirectory.appending(path: "vellum-serve-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let port = Int.random(in: 20_000..<32_000)  // below Linux's ephemeral ports, which a client socket may hold

        let process = Process()
        process.executableURL = executable
        let settingsFile = dataDirectory + ".json"
        try Data(#"{"port": \#(port), "log_format": "json"}"#.utf8).write(to: URL(filePath: settingsFile))
        defer { try? FileManager.default.removeItem(atPath: settingsFile) }
        process.arguments = ["serve", "--config", settingsFile, "--data-dir", dataDirectory]
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "VELLUM_DATABASE_URL")
        environment["VELLUM_LOG_LEVEL"] = "info"
        process.environment = environment
        // The server must not hold the test runner's output open, and must not outlive a failed test.
        let logFile = dataDirectory + ".log"
        FileManager.default.createFile(atPath: logFile, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: logFile) }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(filePath: logFile))
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        let readyz = URL(string: "http://127.0.0.1:\(port)/readyz")!
        var ready: Int?
        for _ in 0..<600 where process.isRunning {
            ready = await Self.status(readyz)
            if ready == 200 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(ready == 200, "the server's log ends: \((try? String(contentsOfFile: logFile, encoding: .utf8))?.suffix(2_000) ?? "")")
        #expect(!Self.postgresProcesses(dataDirectory: dataDirectory).isEmpty, "the embedded PostgreSQL should be running")

        // The operator CLI works on the same embedded cluster while the server runs on it.
        let created = try await Self.run(executable, ["clients", "create", "--name", "CLI App", "--redirect-uri",
                                                "https://cli.example/cb", "--json", "--data-dir", dataDirectory])
        let client = try #require(try JSONSerialization.jsonObject(with: Data(created.output.utf8)) as? [String: String])
        #expect(created.status == 0)
        #expect(client["client_id"]?.hasPrefix("c_") == true)
        #expect((client["client_secret"]?.count ?? 0) >= 43)
        let user = try await Self.run(executable, ["users", "create", "--username", "carol", "--password-stdin", "--json",
                                             "--data-dir", dataDirectory], input: "a long enough password\n")
        #expect(user.status == 0)
        #expect(user.output.contains(#""username":"carol""#))
        let duplicate = try await Self.run(executable, ["users", "create", "--username", "carol", "--password-stdin",
                                                  "--data-dir", dataDirectory], input: "a long enough password\n")
        #expect(duplicate.status != 0)
        // --json is built by an encoder: a quote in a username stays valid JSON.
        let quoted = try await Self.run(executable, ["users", "create", "--username", #"o"brien"#, "--password-stdin", "--json",
                                               "--data-dir", dataDirectory], input: "a long enough password\n")
        let quotedUser = try #require(try JSONSerialization.jsonObject(with: Data(quoted.output.utf8)) as? [String: String])
        #expect(quotedUser["username"] == #"o"brien"#)

        // The lifecycle commands: lists never print a secret; each change is an event.
        let clients = try await Self.run(executable, ["clients", "list", "--json", "--data-dir", dataDirectory])
        #expect(clients.status == 0 && clients.output.contains(client["client_id"]!) && !clients.output.contains(client["client_secret"]!))
        let users = try await Self.run(executable, ["users", "list", "--json", "--data-dir", dataDirectory])
        #expect(users.status == 0 && users.output.contains(#""username":"carol""#) && !users.output.contains("$2"))
        let rotatedSecret = try await Self.run(executable, ["clients", "rotate-secret", "--client", client["client_id"]!, "--json",
                                                      "--data-dir", dataDirectory])
        let newSecret = try #require(try JSONSerialization.jsonObject(with: Data(rotatedSecret.output.utf8)) as? [String: String])
        #expect(newSecret["client_secret"] != nil && newSecret["client_secret"] != client["client_secret"])
        #expect(try await Self.run(executable, ["clients", "disable", "--client", client["client_id"]!, "--data-dir", dataDirectory])
            .output.hasPrefix("client disabled"))
        #expect(try await Self.run(executable, ["clients", "enable", "--client", client["client_id"]!, "--data-dir", dataDirectory])
            .output.hasPrefix("client enabled"))
        #expect(try await Self.run(executable, ["users", "disable", "--user", "carol", "--data-dir", dataDirectory]).output.hasPrefix("user disabled"))
        #expect(try await Self.run(executable, ["users", "enable", "--user", "carol", "--data-dir", dataDirectory]).output.hasPrefix("user enabled"))
        let password = try await Self.run(executable, ["users", "set-password", "--user", "carol", "--password-stdin", "--data-dir", dataDirectory],
                                    input: "another long password\n")
        #expect(password.status == 0 && password.output.hasPrefix("password changed"))
        #expect(try await Self.run(executable, ["users", "disable", "--user", "nobody", "--data-dir", dataDirectory]).status != 0)

        let consents = try await Self.run(executable, ["consents", "list", "--user", "carol", "--json", "--data-dir", dataDirectory])
        #expect(consents.status == 0)
        #expect(consents.output.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
        let rotated = try await Self.run(executable, ["keys", "rotate", "--activate-in", "3600", "--data-dir", dataDirectory])
        #expect(rotated.status == 0, "the CLI decrypts nothing but shares the server's master key file")
        #expect(rotated.output.hasPrefix("published signing key"))
        let jwks = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/jwks.json")!).0
        #expect((try JSONSerialization.jsonObject(with: jwks) as? [String: [Any]])?["keys"]?.count == 2,
                "the new key is published before it signs")
        #expect(await Self.status(readyz) == 200, "the server keeps running after the CLI commands end")

        process.interrupt()
        for _ in 0..<600 where process.isRunning {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(!process.isRunning)
        #expect(process.terminationStatus == 0)
        #expect(Self.postgresProcesses(dataDirectory: dataDirectory).isEmpty, "no PostgreSQL process may be left behind")

        // VELLUM_LOG_FORMAT=json: every line of the server's log is one JSON object.
        let log = try String(contentsOfFile: logFile, encoding: .utf8).split(separator: "\n")
        let lines = log.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(!log.isEmpty && lines.count == log.count, "every log line is JSON")
        #expect(lines.contains { $0["message"] as? String == "ready" })
        #expect(lines.contains { $0["message"] as? String == "request" && $0["path"] as? String == "/jwks.json" && $0["request_id"] != nil })
    }
}
