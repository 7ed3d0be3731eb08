import Foundation

/// Where the PostgreSQL server binaries (`initdb`, `pg_ctl`, `postgres`) are on this machine.
struct PostgresBinaries: Sendable {
    /// The directory holding `initdb` and `pg_ctl`.
    let directory: URL

    var initdb: URL { directory.appending(path: "initdb") }
    var pgCtl: URL { directory.appending(path: "pg_ctl") }

    /// Finds the binaries on `PATH`, then under `/usr/lib/postgresql/*/bin` (newest version first).
    static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PostgresBinaries {
        let fileManager = FileManager.default
        let pathDirectories = (environment["PATH"] ?? "").split(separator: ":").map { URL(filePath: String($0)) }
        let debianDirectories = ((try? fileManager.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
            .map { URL(filePath: "/usr/lib/postgresql/\($0)/bin") }
        for directory in pathDirectories + debianDirectories {
            let binaries = PostgresBinaries(directory: directory)
            if fileManager.isExecutableFile(atPath: binaries.initdb.path)
                && fileManager.isExecutableFile(atPath: binaries.pgCtl.path) {
                return binaries
            }
        }
        throw EmbeddedPostgresError(
            "the PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or under /usr/lib/postgresql/*/bin. "
                + "Install them (Debian/Ubuntu: apt-get install -y postgresql), or pass --database-url to use an existing server.")
    }
}

/// Why the embedded PostgreSQL could not be set up, in words an operator can act on.
public struct EmbeddedPostgresError: Error, CustomStringConvertible, Sendable {
    /// What went wrong and what to do about it.
    public let description: String

    init(_ description: String) { self.description = description }
}
