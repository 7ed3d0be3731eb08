import Logging
import NIOCore
import PostgresNIO
import VellumCore

extension LogVerifier {
    /// What one pass over the log found, before the checkpoints are judged.
    struct Walk {
        var chains = StreamChains()
        var seals: SealVerifier
        /// Events old enough to be sealed that are not, and the first of them.
        var unsealed = 0
        var firstUnsealed: SealVerifier.OldEvent?

        func reportProgress(_ progress: (Int64) -> Void) {
            if chains.events % 10_000 == 0 { progress(Int64(chains.events)) }
        }
    }

    /// The reads of `verify` on its first connection, inside the shared snapshot.
    struct Pass {
        let connection: PostgresConnection
        let logger: Logger
        let unsealedBefore: Timestamp

        /// `TRUE` for an event old enough to be sealed: recorded before the cutoff, and below the
        /// gap-safe horizon (a long transaction anywhere in the cluster holds the horizon back, and
        /// events above it wait; that is a delay, not tampering).
        private var isOld: String {
            "e.recorded_at < vellum_ts(\(unsealedBefore.microsecondsSinceEpoch)) AND e.tx_id < pg_snapshot_xmin(pg_current_snapshot())"
        }

        /// The sealed events in seal order, beside their seals.
        func walkSealed(_ walk: inout Walk, progress: (Int64) -> Void) async throws {
            // One backend walking the seals' index and fetching each event by position streams the
            // rows in seal order as fast as this process hashes them; left to itself the planner
            // sorts the whole log on disk with parallel workers that take the cores the hashing needs.
            for setting in ["max_parallel_workers_per_gather = 0", "enable_mergejoin = off", "enable_hashjoin = off", "jit = off"] {
                try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL \(setting)"), logger: logger)
            }
            // Per seal: the stored chain, and the event now at its position (NULL: none), whether
            // it is the one sealed, and whether it is old enough to need a trusted checkpoint.
            let sealed = try await connection.query(PostgresQuery(unsafeSQL: """
                SELECT s.seal_seq, s.position, s.chain_hash,
                       e.stream_id = s.stream_id AND e.stream_version = s.stream_version, \(isOld), \(EventRow.columns)
                FROM seals s LEFT JOIN events e ON e.position = s.position \(EventRow.headJoin)
                ORDER BY s.seal_seq
                """), logger: logger)
            for try await row in sealed {
                var cells = RawCells(row)
                let seq = try cells.int64(), position = try cells.int64(), chain = try cells.bytes()
                guard let inPlace = try cells.optionalBool() else {
                    walk.seals.next(seq: seq, position: position, storedChain: chain, eventHash: nil, inPlace: nil, isOld: false) { ("", 0) }
                    continue
                }
                let isOld = try cells.optionalBool() ?? false
                let event = try EventRow(&cells)
                walk.chains.next(event)
                walk.seals.next(seq: seq, position: position, storedChain: chain, eventHash: event.hash, inPlace: inPlace,
                                isOld: isOld) { (event.stream, event.version) }
                walk.reportProgress(progress)
            }
        }

        /// The events with no seal, in position order; run on the second connection while the
        /// first walks the seals, so the anti-join is done by the time it is read.
        func unsealedEvents(on connection: PostgresConnection) async throws -> PostgresRowSequence {
            try await connection.query(PostgresQuery(unsafeSQL: """
                SELECT \(isOld), \(EventRow.columns)
                FROM events e \(EventRow.headJoin)
                WHERE NOT EXISTS (SELECT 1 FROM seals s WHERE s.position = e.position)
                ORDER BY e.position
                """), logger: logger)
        }

        /// The events with no seal, after the sealed ones.
        func walkUnsealed(_ rows: PostgresRowSequence, _ walk: inout Walk, progress: (Int64) -> Void) async throws {
            for try await row in rows {
                var cells = RawCells(row)
                let isOld = try cells.optionalBool() ?? false
                let event = try EventRow(&cells)
                walk.chains.next(event)
                if isOld {
                    walk.unsealed += 1
                    if walk.firstUnsealed == nil {
                        walk.firstUnsealed = .init(position: event.position, streamID: event.stream, version: event.version, sealSeq: nil)
                    }
                }
                walk.reportProgress(progress)
            }
        }

        /// The seal chain's faults, with the events named as they were sealed.
        func sealFaults(_ seals: SealVerifier) async throws -> [ChainFault] {
            var faults: [ChainFault] = []
            if let gap = seals.gap {
                faults.append(ChainFault(kind: .sealBroken, position: gap.position, streamID: "", version: 0,
                                         detail: "seals \(gap.first)…\(gap.last) are missing"))
            }
            if let altered = seals.altered {
                // The chain held up to the previous seal, so this event's hash is not the one sealed: it
                // was altered (and its stream chain rewritten to match, or the stream check says so too).
                let (stream, version, _) = try await sealed(at: altered.position)
                faults.append(ChainFault(kind: .altered, position: altered.position, streamID: stream, version: version,
                                         detail: "its hash differs from the one sealed as \(altered.seq)"))
            }
            for position in seals.moved {
                let (stream, version, _) = try await sealed(at: position)
                faults.append(ChainFault(kind: .reordered, position: position, streamID: stream, version: version,
                                         detail: "the event there is not the one sealed"))
            }
            var vanished: [(seq: Int64, position: Int64, stream: String, version: Int64)] = []
            for position in seals.vanished {
                let (stream, version, seq) = try await sealed(at: position)
                vanished.append((seq, position, stream, version))
            }
            guard !vanished.isEmpty else { return faults }
            // A sealed event that is gone: missing, or its whole stream deleted (head and all).
            var remaining = Set<String>()
            for try await stream in try await connection.query(
                "SELECT stream_id FROM streams WHERE version > 0 AND stream_id = ANY(\(Array(Set(vanished.map(\.stream))))::text[])",
                logger: logger
            ).decode(String.self) { remaining.insert(stream) }
            for event in vanished {
                faults.append(ChainFault(kind: remaining.contains(event.stream) ? .missing : .deletedStream, position: event.position,
                                         streamID: event.stream, version: event.version, detail: "sealed as \(event.seq)"))
            }
            return faults
        }

        /// What the seal at `position` recorded: the stream, version and seal number.
        private func sealed(at position: Int64) async throws -> (String, Int64, Int64) {
            for try await row in try await connection.query(
                "SELECT stream_id, stream_version, seal_seq FROM seals WHERE position = \(position)", logger: logger
            ).decode((String, Int64, Int64).self) { return row }
            return ("", 0, 0)
        }

        func storedCheckpoints() async throws -> [Checkpoint] {
            let rows = try await connection.query("""
                SELECT seal_seq, chain_hash, (extract(epoch FROM signed_at) * 1000000)::int8, key_id, signature
                FROM checkpoints ORDER BY seal_seq
                """, logger: logger)
            var checkpoints: [Checkpoint] = []
            for try await (seq, chain, at, keyID, signature) in rows.decode((Int64, ByteBuffer, Int64, String, ByteBuffer).self) {
                checkpoints.append(Checkpoint(sealSeq: seq, chainHash: Array(buffer: chain), signedAt: Timestamp(microsecondsSinceEpoch: at),
                                              keyID: keyID, signature: Array(buffer: signature)))
            }
            return checkpoints
        }
    }
}
