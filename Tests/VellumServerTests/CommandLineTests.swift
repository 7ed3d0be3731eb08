import Foundation
import Testing
import VellumTestSupport
@testable import VellumStore

/// What `--help` says, and how long commands show progress (issue 12, item 3).
@Suite("Command-line help and progress")
struct CommandLineTests {
    private static func help(_ name: String, _ arguments: [String]) async throws -> String {
        let executable = try #require(Commands.executable(name), "\(name) should be built beside the tests")
        return try await runToEnd(executable, arguments + ["--help"], environment: Commands.environment).output
    }

    @Test(arguments: [
        ("vellum", ["serve"]), ("vellum", ["clients", "create"]), ("vellum", ["users", "create"]), ("vellum", ["users", "set-password"]),
        ("vellum", ["projections", "rebuild"]), ("vellum", ["keys", "rotate"]), ("vellum", ["sealer"]),
        ("vellum-audit", ["verify"]), ("vellum-audit", ["export"]), ("vellum-audit", ["replay"]),
        ("vellum-bench", ["flows"]), ("vellum-bench", ["append"]), ("vellum-bench", ["http"]),
    ])
    func everyOptionStatesItsDefaultOnceAndRequiredOnesLookRequired(name: String, arguments: [String]) async throws {
        let help = try await Self.help(name, arguments)
        #expect(help.contains("USAGE:"))
        // Each option's entry runs from its "  --name" line to the next.
        let entries = help.components(separatedBy: "\n  -").dropFirst()
        for entry in entries {
            let said = entry.components(separatedBy: "default:").count + entry.components(separatedBy: ", default ").count - 2
            #expect(said <= 1, "the default is said twice: -\(entry)")
        }
        if arguments.first == "users" {
            #expect(help.contains(" --password-stdin ") && !help.contains("[--password-stdin]"), "required, so not in brackets")
        }
    }

    /// The README says how to get the binaries, with a script that parses; scripts/test asks no
    /// XCTest runner (no "Executed 0 tests"), which holds only while no test is an XCTest.
    @Test func theBinariesCanBeInstalledAndTheTestOutputHasNoXCTestNoise() throws {
        let root = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "../..").standardized
        let readme = try String(contentsOf: root.appending(path: "README.md"), encoding: .utf8)
        #expect(readme.contains("scripts/install") && readme.contains("several minutes"))
        let install = root.appending(path: "scripts/install").path
        #expect(FileManager.default.isExecutableFile(atPath: install))
        let syntax = Process()
        syntax.executableURL = URL(filePath: "/bin/bash")
        syntax.arguments = ["-n", install]
        try syntax.run()
        syntax.waitUntilExit()
        #expect(syntax.terminationStatus == 0)
        let test = try String(contentsOf: root.appending(path: "scripts/test"), encoding: .utf8)
        let runs = test.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.hasPrefix("swift test") || $0.hasPrefix("exec swift test") }
        #expect(runs.count == 3 && runs.allSatisfy { $0.contains("--disable-xctest") }, "\(runs)")
        let sources = FileManager.default.enumerator(atPath: root.appending(path: "Tests").path)?.compactMap { $0 as? String } ?? []
        for file in sources where file.hasSuffix(".swift") {
            let text = try String(contentsOf: root.appending(path: "Tests").appending(path: file), encoding: .utf8)
            #expect(!text.split(separator: "\n").contains("import XCTest"), "\(file) is an XCTest: scripts/test would not run it")
        }
    }

    @Test func progressLinesGiveTheTotalAndWhatIsLeft() {
        #expect(TerminalProgress.line(label: "verify", unit: "events", count: 50_000, total: 100_000, elapsed: .seconds(2))
                == "verify: 50,000 of ~100,000 events (50 %), 25,000/s, about 2 s left")
        #expect(TerminalProgress.line(label: "export", unit: "events", count: 1_234_567, total: nil, elapsed: .seconds(10))
                == "export: 1,234,567 events, 123,456/s")
        #expect(TerminalProgress.line(label: "flows", unit: "flows", count: 10, total: 100_000, elapsed: .seconds(1))
                == "flows: 10 of ~100,000 flows (0 %), 10/s, about 2.8 h left")
        // Not a terminal: nothing is written (CI logs stay clean); nothing to check but that it does not fail.
        let quiet = TerminalProgress("verify", total: 10, enabled: false)
        quiet.update(5)
        quiet.finish()
    }
}
