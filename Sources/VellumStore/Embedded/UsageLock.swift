import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An advisory file lock (`flock`) that the commands sharing one embedded cluster coordinate on.
final class UsageLock: Sendable {
    private let descriptor: Int32

    /// Opens (creating) the lock file at `path`.
    init(path: String) throws {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw EmbeddedPostgresError("cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Waits for a shared lock: several commands may use the cluster at once.
    func lockShared() { _ = flock(descriptor, LOCK_SH) }

    /// Waits for the exclusive lock.
    func lockExclusive() { _ = flock(descriptor, LOCK_EX) }

    /// Takes the exclusive lock if nobody else holds the lock at all; false otherwise.
    func tryLockExclusive() -> Bool { flock(descriptor, LOCK_EX | LOCK_NB) == 0 }

    func unlock() { _ = flock(descriptor, LOCK_UN) }
}
