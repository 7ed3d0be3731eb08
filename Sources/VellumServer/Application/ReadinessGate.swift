import ServiceLifecycle
import Synchronization

/// Opens once the database is migrated and the keys are ready; background services wait on it so
/// that their first round does not race the migration.
final class ReadinessGate: Sendable {
    private let isOpen = Mutex(false)

    func open() { isOpen.withLock { $0 = true } }

    /// Returns true once the gate is open, false if the service is shutting down or cancelled first.
    func wait() async -> Bool {
        while !isOpen.withLock({ $0 }) {
            guard !Task.isShuttingDownGracefully, (try? await Task.sleep(for: .milliseconds(50))) != nil else { return false }
        }
        return true
    }
}
