import Foundation
import Testing
@testable import VellumStore

/// What `--help` says, and how long commands show progress (issue 12, item 3).
@Suite("Command-line help and progress")
struct CommandLineTests {
    private static func help(_ name: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = try #require(Commands.executable(name), "\(name) should be built beside the tests")
        process.arguments = arguments + ["--help"]
        process.environment = Commands.environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test(arguments: [
        ("vellum", ["serve"]), ("vellum", ["clients", "create"]), ("vellum", ["users", "create"]), ("vellum", ["users", "set-password"]),
        ("vellum", ["projections", "rebuild"]), ("vellum", ["keys", "rotate"]), ("vellum", ["sealer"]),
        ("vellum-audit", ["verify"]), ("vellum-audit", ["export"]), ("vellum-audit", ["replay"]),
        ("vellum-bench", ["flows"]), ("vellum-bench", ["append"]), ("vellum-bench", ["http"]),
    ])
    func everyOptionStatesItsDefaultOnceAndRequiredOnesLookRequired(name: String, arguments: [String]) throws {
        let help = try Self.help(name, arguments)
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
