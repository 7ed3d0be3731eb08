/// Bounds CPU-heavy work (bcrypt): at most `permits` run at once and at most `maximumWaiting`
/// wait; beyond that a caller is refused at once instead of queueing, so a flood of logins cannot
/// pile up unbounded CPU work or memory.
actor WorkLimiter {
    /// The limiter is full: answer "try again shortly".
    struct Overloaded: Error {}

    let permits: Int
    let maximumWaiting: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(permits: Int, maximumWaiting: Int) {
        self.permits = max(1, permits)
        self.maximumWaiting = max(0, maximumWaiting)
    }

    /// How many callers wait for a permit.
    var queued: Int { waiting.count }

    /// Runs `work` once a permit is free; throws ``Overloaded`` when too many already wait.
    func run<Result: Sendable>(_ work: @Sendable () async throws -> Result) async throws -> Result {
        try await acquire()
        defer { release() }
        return try await work()
    }

    private func acquire() async throws {
        if running < permits {
            running += 1
            return
        }
        guard waiting.count < maximumWaiting else { throw Overloaded() }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty {
            running -= 1
        } else {
            // The permit passes straight to the next in line.
            waiting.removeFirst().resume()
        }
    }
}
