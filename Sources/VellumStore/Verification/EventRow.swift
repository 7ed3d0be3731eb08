import NIOCore
import PostgresNIO
import VellumCore

/// One event as the verifiers read it: the stored bytes as they are, hashed without building
/// strings, with its stream's head read beside it. Decoded by hand from PostgreSQL's binary cells:
/// a log of millions of rows spends more in generic row decoding than in SHA-256.
struct EventRow {
    /// The columns, in order, for `SELECT … FROM events e LEFT JOIN streams h` (see `headJoin`).
    static let columns = """
        e.position, e.stream_id, e.stream_version, e.type, (extract(epoch FROM e.recorded_at) * 1000000)::int8,
        e.payload::text, e.metadata::text, e.hash, h.version, h.head_hash
        """
    /// The join that puts each event's head beside it.
    static let headJoin = "LEFT JOIN streams h ON h.stream_id = e.stream_id AND h.version > 0"

    let position: Int64
    let streamID: ByteBuffer
    let version: Int64
    let type: ByteBuffer
    let recordedAtMicroseconds: Int64
    let payload: ByteBuffer
    let metadata: ByteBuffer
    let hash: ByteBuffer
    let headVersion: Int64?
    let headHash: ByteBuffer?

    /// Reads the next ten cells as `columns`.
    init(_ cells: inout RawCells) throws {
        position = try cells.int64()
        streamID = try cells.bytes()
        version = try cells.int64()
        type = try cells.bytes()
        recordedAtMicroseconds = try cells.int64()
        payload = try cells.bytes()
        metadata = try cells.bytes()
        hash = try cells.bytes()
        headVersion = try cells.optionalInt64()
        headHash = cells.optionalBytes()
    }

    /// The stream id as text.
    var stream: String { String(buffer: streamID) }

    /// The event's hash recomputed from its stored bytes, chained to `previous` (DESIGN.md §3).
    func expectedHash(previous: [UInt8]) -> [UInt8] {
        streamID.withUnsafeReadableBytes { stream in
            type.withUnsafeReadableBytes { type in
                payload.withUnsafeReadableBytes { payload in
                    metadata.withUnsafeReadableBytes { metadata in
                        EventHash.compute(previous: previous, streamID: stream, version: version, type: type,
                                          recordedAtMicroseconds: recordedAtMicroseconds, payload: payload, metadata: metadata)
                    }
                }
            }
        }
    }
}

extension StreamChains {
    /// Takes the next event as the verifiers read it.
    mutating func next(_ event: EventRow) {
        next(streamID: event.stream, version: event.version, position: event.position, storedHash: event.hash.readableBytesView,
             headVersion: event.headVersion, headHash: { event.headHash.map { Array(buffer: $0) } ?? [] },
             hash: event.expectedHash(previous:))
    }
}

/// A row's cells read in order, in PostgreSQL's binary format (which PostgresNIO asks for).
struct RawCells {
    private var iterator: PostgresRow.Iterator

    init(_ row: PostgresRow) {
        iterator = row.makeIterator()
    }

    /// The next cell's bytes, nil for NULL.
    mutating func optionalBytes() -> ByteBuffer? {
        iterator.next()?.bytes
    }

    mutating func bytes() throws -> ByteBuffer {
        guard let bytes = optionalBytes() else { throw RawCellError() }
        return bytes
    }

    mutating func optionalInt64() throws -> Int64? {
        guard let bytes = optionalBytes() else { return nil }
        guard bytes.readableBytes == 8, let value = bytes.getInteger(at: bytes.readerIndex, as: Int64.self) else { throw RawCellError() }
        return value
    }

    mutating func int64() throws -> Int64 {
        guard let value = try optionalInt64() else { throw RawCellError() }
        return value
    }

    mutating func optionalBool() throws -> Bool? {
        guard let bytes = optionalBytes() else { return nil }
        guard bytes.readableBytes == 1, let value = bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) else { throw RawCellError() }
        return value != 0
    }
}

/// A cell was not of the shape its query selects (NULL where none can be, or another width).
struct RawCellError: Error {}
