public import Crypto
public import Logging
public import PostgresNIO
public import VellumCore

/// Everything `vellum-audit verify` checks: every stream's chain (ChainVerifier), then the seal
/// chain, the checkpoints and the unsealed tail (SealVerifier), with the faults in report order.
public struct LogVerifier: Sendable {
    public struct Report: Sendable {
        public var streams: ChainVerifier.Report
        public var seals: SealVerifier.Report
        /// Whether the proof rests on something outside the database (a pinned audit key or shipped
        /// checkpoints). Without it, a valid report says only that the log agrees with itself.
        public var anchored = false
        /// Every fault, by position, the most specific first.
        public var faults: [ChainFault] { ChainFault.reportOrder(streams.faults + seals.faults) }
        public var isValid: Bool { faults.isEmpty }
    }

    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func verify(unsealedBefore: Timestamp, shippedCheckpoints: [Checkpoint] = [],
                       pinnedKeys: [String: Curve25519.Signing.PublicKey] = [:],
                       maximumCheckpointSpacing: Int64 = Sealer.defaultCheckpointEvents,
                       progress: @Sendable (String) -> Void = { _ in }) async throws -> Report {
        // The two passes are independent: run them side by side, each on its own connection, both
        // on one snapshot, so a log that grows meanwhile reads whole (no false head mismatch).
        let logger = logger
        return try await client.withSharedSnapshot(logger: logger) { first, second in
            async let streams = ChainVerifier(connection: first, logger: logger).verify { progress("streams: \($0) events verified…") }
            async let seals = SealVerifier(connection: second, logger: logger).verify(
                unsealedBefore: unsealedBefore, shippedCheckpoints: shippedCheckpoints, pinnedKeys: pinnedKeys,
                maximumCheckpointSpacing: maximumCheckpointSpacing
            ) { progress("seals: \($0) verified…") }
            return Report(streams: try await streams, seals: try await seals,
                          anchored: !pinnedKeys.isEmpty || !shippedCheckpoints.isEmpty)
        }
    }
}
