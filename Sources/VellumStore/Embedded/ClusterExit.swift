import Dispatch
import Foundation
import Synchronization

/// No abnormal end of a command leaves behind the embedded cluster it started: on SIGINT, SIGTERM
/// or SIGHUP, the process gives up its leases (stopping the cluster when it was the last user),
/// then exits with 128 + the signal, as the signal would have. A signal that arrives while the
/// cluster is starting waits for the start to finish, so the cluster it brings up is stopped too.
/// SIGPIPE is ignored: a closed pipe is an error a writer handles (`vellum-audit export | head`),
/// not a death that skips this cleanup. SIGKILL cannot be handled; the next command on the data
/// directory finds the cluster running and uses it.
///
/// `vellum serve` and `vellum sealer` handle SIGINT and SIGTERM themselves (graceful shutdown,
/// which releases the lease in order): they call ``callerHandlesSignals()`` first.
public enum ClusterExit {
    private struct State {
        var callerHandlesSignals = false
        var installed = false
        var starting = 0
        var leases: [ObjectIdentifier: EmbeddedPostgresLease] = [:]
        var exiting = false
    }

    private static let state = Mutex(State())
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []
    private static let queue = DispatchQueue(label: "vellum.cluster-exit")

    /// The process handles SIGINT and SIGTERM itself and releases its leases on the way out.
    public static func callerHandlesSignals() {
        state.withLock { $0.callerHandlesSignals = true }
    }

    /// A cluster is about to be started by this process.
    static func starting() {
        let install = state.withLock { state -> Bool in
            state.starting += 1
            defer { state.installed = true }
            return !state.installed && !state.callerHandlesSignals
        }
        signal(SIGPIPE, SIG_IGN)
        if install { installHandlers() }
    }

    /// The start ended, with `lease` when it succeeded.
    static func started(_ lease: EmbeddedPostgresLease?) {
        let exiting = state.withLock { state in
            state.starting -= 1
            if let lease { state.leases[ObjectIdentifier(lease)] = lease }
            return state.exiting
        }
        if exiting { waitForExit() }
    }

    /// `lease` is being released the ordinary way. While a signal's exit is under way (its cluster
    /// stopping under the command's feet, which then fails), the ordinary way waits for that exit,
    /// so the process ends with the signal's status rather than the failure's.
    static func released(_ lease: EmbeddedPostgresLease) {
        let exiting = state.withLock { state in
            state.leases.removeValue(forKey: ObjectIdentifier(lease))
            return state.exiting
        }
        if exiting { waitForExit() }
    }

    /// A signal's exit is under way on the signal queue: this thread goes no further.
    private static func waitForExit() -> Never {
        while true { pause() }
    }

    private static func installHandlers() {
        queue.sync {
            for number in [SIGINT, SIGTERM, SIGHUP] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setEventHandler { releaseAndExit(signal: number) }
                source.resume()
                sources.append(source)
            }
        }
    }

    private static func releaseAndExit(signal number: Int32) {
        state.withLock { $0.exiting = true }
        // A start in progress is waited for (pg_ctl start waits up to two minutes itself).
        let deadline = Date().addingTimeInterval(130)
        while state.withLock({ $0.starting > 0 }) && Date() < deadline { usleep(50_000) }
        let leases = state.withLock { state in
            defer { state.leases = [:] }
            return Array(state.leases.values)
        }
        for lease in leases { _ = try? lease.stopIfLastUser() }
        exit(128 + number)
    }
}
