public import Foundation

/// What a child process left when it ended.
public struct FinishedCommand: Sendable {
    public let status: Int32
    /// Its standard output (with its standard error, when merged).
    public let output: String
    /// Its standard error, when not merged into the output.
    public let errors: String
}

/// Runs `executable` with `arguments` to its end, on a thread of its own (``onItsOwnThread(_:)``):
/// standard input from `input` (none: `/dev/null`), standard output and error written to temporary
/// files and read once it has exited.
///
/// Not pipes: a process another test starts meanwhile inherits the write ends of this one's pipes
/// (Foundation's `Process` leaves them open in the children it spawns on other threads), and a
/// reader waiting for end-of-file then waits for that process to end. A full run hung for good in
/// `ServeCommandTests`: a test cluster's `postgres`, started as a `vellum` command ran, held the
/// write end of that command's output pipe (`/proc/<pid>/fd`).
public func runToEnd(_ executable: URL, _ arguments: [String], input: String? = nil,
                     environment: [String: String]? = nil, mergingErrors: Bool = false) async throws -> FinishedCommand {
    try await onItsOwnThread {
        let directory = FileManager.default.temporaryDirectory.appending(path: "vellum-run-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func file(_ name: String, _ contents: String = "") throws -> URL {
            let url = directory.appending(path: name)
            try contents.write(to: url, atomically: false, encoding: .utf8)
            return url
        }
        let outputFile = try file("output"), errorsFile = try file("errors")
        let output = try FileHandle(forWritingTo: outputFile), errors = try FileHandle(forWritingTo: errorsFile)
        let standardInput = try input.map { try FileHandle(forReadingFrom: try file("input", $0)) }
        defer { try? output.close(); try? errors.close(); try? standardInput?.close() }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = standardInput ?? FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = mergingErrors ? output : errors
        try process.run()
        process.waitUntilExit()
        return FinishedCommand(status: process.terminationStatus,
                               output: try String(contentsOf: outputFile, encoding: .utf8),
                               errors: try String(contentsOf: errorsFile, encoding: .utf8))
    }
}
