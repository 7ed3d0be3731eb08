import Foundation

/// The command-line programs `swift test` built beside the test bundle, and the processes they leave.
enum Commands {
    /// The executable `name` (`vellum`, `vellum-audit`, `vellum-bench`), if built.
    static func executable(_ name: String) -> URL? {
        let bundle = URL(filePath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [bundle, bundle.deletingLastPathComponent()].map { $0.appending(path: name) }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// The command lines of the PostgreSQL processes whose command line names `dataDirectory`.
    static func postgresProcesses(dataDirectory: String) -> [String] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return pids.filter { Int($0) != nil }.compactMap { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            let command = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\0", with: " ")
            return command.contains("postgres") && command.contains(dataDirectory) ? command : nil
        }
    }

    /// A fresh data directory path under the temporary directory (not created).
    static func temporaryDataDirectory(_ prefix: String) -> String {
        FileManager.default.temporaryDirectory.appending(path: "\(prefix)-\(UUID().uuidString.prefix(8))").path
    }

    /// An environment without the caller's `VELLUM_` settings, logging errors only.
    static var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("VELLUM_") }
        environment["VELLUM_LOG_LEVEL"] = "error"
        return environment
    }
}
