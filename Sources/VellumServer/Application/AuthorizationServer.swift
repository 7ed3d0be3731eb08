import Foundation
import HummingbirdBcrypt
import Logging
import NIOCore
import NIOPosix
import Synchronization
import VellumCore
import VellumStore

/// Everything the endpoints share: configuration, the store, the projections, keys and pages.
struct AuthorizationServer: Sendable {
    let configuration: ServerConfiguration
    let store: EventStore
    let queries: ProjectionQueries
    let keys: SigningKeys
    let csrf: CSRFProtection
    let pages: Pages
    let logger: Logger
    /// Bounds the bcrypt work of logins: one per core at once, a few dozen waiting.
    let passwordWork = WorkLimiter(permits: System.coreCount, maximumWaiting: 32)
    /// Flow states between a flow's steps (``FlowStateCache``).
    let flowStates = FlowStateCache()
    /// Failed client authentications waiting to be recorded (``ClientAuthenticationFailures``).
    let clientAuthenticationFailures = ClientAuthenticationFailures()
    /// Throttles logins per account and per client address (``LoginThrottle``).
    var accountThrottle: LoginThrottle { LoginThrottle(threshold: configuration.loginFailuresBeforeDelay) }
    /// Addresses are shared (NAT, proxies): they get four times the account's allowance.
    var addressThrottle: LoginThrottle { LoginThrottle(threshold: configuration.loginFailuresBeforeDelay * 4) }

    init(configuration: ServerConfiguration, store: EventStore, queries: ProjectionQueries, keys: SigningKeys,
         csrf: CSRFProtection, pages: Pages, logger: Logger) {
        self.configuration = configuration
        self.store = store
        self.queries = queries
        self.keys = keys
        self.csrf = csrf
        self.pages = pages
        self.logger = logger
    }

    /// The current time, truncated to microseconds as the log stores it, from the configured clock.
    var now: Timestamp { configuration.clock() }

    /// Verifies a password against a bcrypt hash off the cooperative pool (bcrypt takes ~0.25 s at
    /// cost 12), at most a few at a time (``passwordWork``). With no hash (no such user) it verifies
    /// against a decoy, so that a wrong username takes as long as a wrong password and answers
    /// nothing about which users exist. Throws ``WorkLimiter/Overloaded`` when too many wait.
    func verifyPassword(_ password: String, hash: String?) async throws -> Bool {
        let decoyCost = configuration.decoyPasswordCost
        return try await passwordWork.run {
            try await NIOThreadPool.singleton.runIfActive {
                guard let hash else {
                    _ = Bcrypt.verify(password, hash: Self.decoyHash(cost: decoyCost))
                    return false
                }
                return Bcrypt.verify(password, hash: hash)
            }
        }
    }

    /// A bcrypt hash at `cost` of a random secret nobody knows, made once per cost on first use.
    private static func decoyHash(cost: UInt8) -> String {
        if let hash = decoyHashes.withLock({ $0[cost] }) { return hash }
        let hash = Bcrypt.hash(SecretGenerator.generate(), cost: cost)
        return decoyHashes.withLock { hashes in
            if let kept = hashes[cost] { return kept }
            hashes[cost] = hash
            return hash
        }
    }

    private static let decoyHashes = Mutex<[UInt8: String]>([:])

    /// A flow's state from its stream.
    func flowState(_ flowID: String) async throws -> FlowState {
        try await FlowRunner(store: store, cache: flowStates).current(Self.flowStream(flowID)).state
    }

    /// Decides `commands` on the flow's latest state and appends the outcome, retrying on a
    /// concurrent writer; returns the decision that was recorded and the state it leaves.
    @discardableResult
    func execute(
        _ commands: [FlowCommand], on flowID: String, isNew: Bool = false, metadata: EventMetadata
    ) async throws -> (decision: FlowDecision, state: FlowState) {
        try await FlowRunner(store: store, cache: flowStates).execute(commands, on: flowID, isNew: isNew, metadata: metadata)
    }

    /// The stream of flow `flowID` (a UUID).
    static func flowStream(_ flowID: String) -> String { StreamID.flow(flowID).description }

    /// Whether `text` is a flow id Vellum could have made (a lowercase UUID).
    static func isFlowID(_ text: String) -> Bool {
        UUID(uuidString: text) != nil && text == text.lowercased()
    }
}
