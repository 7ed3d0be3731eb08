import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs the cluster's commands as the account that owns the cluster. `initdb` and `postgres` refuse
/// to run as root, so as root they run as an unprivileged account (`postgres` where it exists).
struct ClusterCommand: Sendable {
    /// The unprivileged account to run as, when this process is root.
    let account: (name: String, uid: uid_t, gid: gid_t)?

    static func forCurrentUser() throws -> ClusterCommand {
        guard geteuid() == 0 else { return ClusterCommand(account: nil) }
        for name in ["postgres", "nobody"] {
            if let entry = getpwnam(name) {
                return ClusterCommand(account: (name, entry.pointee.pw_uid, entry.pointee.pw_gid))
            }
        }
        throw EmbeddedPostgresError(
            "running as root, and PostgreSQL refuses to run as root; no 'postgres' account exists to run it as. "
                + "Create one (useradd --system postgres) or run Vellum as an unprivileged user.")
    }

    /// Hands `path` to the cluster's account, so that the server may own its data directory.
    func giveOwnership(of path: String) throws {
        guard let account else { return }
        guard chown(path, account.uid, account.gid) == 0 else {
            throw EmbeddedPostgresError("cannot hand \(path) to the account '\(account.name)': \(String(cString: strerror(errno)))")
        }
    }

    /// Runs `executable` with `arguments` in a session of its own (so that a Ctrl-C meant for Vellum
    /// does not stop the database under in-flight appends) and returns its combined output.
    /// Blocks the calling thread until the command exits.
    @discardableResult
    func run(_ executable: URL, _ arguments: [String], allowFailure: Bool = false) throws -> (status: Int32, output: String) {
        var command = [executable.path] + arguments
        if let account { command = ["/usr/sbin/runuser", "-u", account.name, "--"] + command }
        command = ["/usr/bin/setsid", "--wait"] + command
        let (status, output) = try Self.spawnAndWait(command)
        if status != 0 && !allowFailure {
            throw EmbeddedPostgresError("\(executable.lastPathComponent) failed (exit \(status)): \(output)")
        }
        return (status, output)
    }

    /// posix_spawn and waitpid, with the output in a temporary file: Foundation's `Process` can miss
    /// the exit of a command whose child daemonizes (as `pg_ctl start` does), and a pipe would stay
    /// open as long as any grandchild held it.
    private static func spawnAndWait(_ command: [String]) throws -> (Int32, String) {
        let outputPath = FileManager.default.temporaryDirectory
            .appending(path: "vellum-cmd-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).log").path
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        var argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], &actions, nil, &argv, environ)
        guard spawned == 0 else {
            throw EmbeddedPostgresError("cannot run \(command[0]): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw EmbeddedPostgresError("waiting for \(command[0]) failed: \(String(cString: strerror(errno)))") }
        }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exitCode, output)
    }
}
