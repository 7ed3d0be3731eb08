public import Logging
public import PostgresNIO
import NIOCore
import VellumCore

/// Recomputes every stream's hash chain from the stored events and compares it with the stored
/// hashes and the stream heads (DESIGN.md §3). Reads only, in one pass over the log, in constant
/// memory.
public struct ChainVerifier: Sendable {
    /// What one pass found.
    public struct Report: Sendable {
        /// Events read.
        public var events: Int = 0
        /// Streams read.
        public var streams: Int = 0
        /// The first fault of each broken stream, ordered by position (the earliest first).
        public var faults: [ChainFault] = []
        /// Whether every chain holds.
        public var isValid: Bool { faults.isEmpty }
        /// The fault at the lowest position, the one to report first.
        public var firstFault: ChainFault? { faults.first }
    }

    let source: QuerySource
    let logger: Logger

    /// A verifier reading through `client`; it needs SELECT on `events` and `streams` only.
    public init(client: PostgresClient, logger: Logger) {
        self.source = .pool(client)
        self.logger = logger
    }

    /// A verifier reading on `connection`, inside the transaction (and snapshot) it holds.
    public init(connection: PostgresConnection, logger: Logger) {
        self.source = .connection(connection)
        self.logger = logger
    }

    /// Verifies every stream; `progress` is called every 100,000 events with the count so far.
    public func verify(progress: @Sendable (Int) -> Void = { _ in }) async throws -> Report {
        var report = Report()
        var heads: [String: (version: Int64, hash: [UInt8])] = [:]
        for try await (streamID, version, hash) in try await source.query(
            "SELECT stream_id, version, head_hash FROM streams WHERE version > 0", logger: logger
        ).decode((String, Int64, ByteBuffer?).self) {
            heads[streamID] = (version, hash.map { Array(buffer: $0) } ?? [])
        }

        var walker = StreamChainWalker()
        // The raw stored bytes, hashed as they are: no strings built per event.
        let rows = try await source.query("""
            SELECT position, stream_id, stream_version, type, (extract(epoch FROM recorded_at) * 1000000)::int8,
                   payload::text, metadata::text, hash
            FROM events ORDER BY stream_id, stream_version
            """, logger: logger)
        for try await (position, streamBytes, version, type, micros, payload, metadata, hash) in rows.decode(
            (Int64, ByteBuffer, Int64, ByteBuffer, Int64, ByteBuffer, ByteBuffer, ByteBuffer).self
        ) {
            report.events += 1
            if report.events % 100_000 == 0 { progress(report.events) }
            let streamID = String(buffer: streamBytes)
            let finished = walker.next(streamID: streamID, version: version, position: position, storedHash: Array(buffer: hash)) { previous in
                streamBytes.withUnsafeReadableBytes { stream in
                    type.withUnsafeReadableBytes { type in
                        payload.withUnsafeReadableBytes { payload in
                            metadata.withUnsafeReadableBytes { metadata in
                                EventHash.compute(previous: previous, streamID: stream, version: version, type: type,
                                                  recordedAtMicroseconds: micros, payload: payload, metadata: metadata)
                            }
                        }
                    }
                }
            }
            if let finished {
                report.close(finished, head: heads.removeValue(forKey: finished.streamID))
            }
        }
        if let finished = walker.finish() {
            report.close(finished, head: heads.removeValue(forKey: finished.streamID))
        }
        // Heads with no events left at all: the whole stream's events are gone.
        for (streamID, head) in heads {
            report.faults.append(ChainFault(kind: .truncated, position: nil, streamID: streamID, version: head.version))
        }
        report.faults = ChainFault.reportOrder(report.faults)
        return report
    }
}

extension ChainVerifier.Report {
    fileprivate mutating func close(_ stream: StreamChainWalker.Finished, head: (version: Int64, hash: [UInt8])?) {
        streams += 1
        if let fault = stream.fault {
            faults.append(fault)
            return
        }
        guard let head else { return }
        if head.version > stream.lastVersion {
            faults.append(ChainFault(kind: .truncated, position: stream.lastPosition, streamID: stream.streamID, version: stream.lastVersion + 1))
        } else if head.version != stream.lastVersion || head.hash != stream.lastHash {
            faults.append(ChainFault(kind: .headMismatch, position: stream.lastPosition, streamID: stream.streamID, version: stream.lastVersion))
        }
    }
}
