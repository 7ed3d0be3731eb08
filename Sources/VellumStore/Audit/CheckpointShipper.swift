import Foundation
public import Logging
import NIOCore
public import PostgresNIO
import VellumCore

/// Ships the signed checkpoints off the database: appends every committed checkpoint the file does
/// not hold yet, one JSON line each, and syncs the file to disk. It runs after the sealer's
/// transaction commits, so the file never holds a checkpoint the database rolled back; a failed
/// write is retried next round and never stops sealing. A torn last line (a crash mid-write) is
/// cut off and written again whole.
public struct CheckpointShipper: Sendable {
    let path: String
    let client: PostgresClient
    let logger: Logger

    public init(path: String, client: PostgresClient, logger: Logger) {
        self.path = path
        self.client = client
        self.logger = logger
    }

    /// Appends the checkpoints newer than the file's last; returns how many.
    @discardableResult
    public func ship() async throws -> Int {
        let (checkpoints, validLength) = try Self.read(path)
        let after = checkpoints.last?.sealSeq ?? 0
        // On a watched connection: a read that hung in a database restart held the sealing round.
        let (lines, count) = try await withConnection(of: client) { [logger] connection in
            // Collected: a backlog of checkpoints spans many socket reads (``PostgresConnection/collectedRows(_:logger:)``).
            let rows = try await connection.collectedRows("""
                SELECT seal_seq, chain_hash, (extract(epoch FROM signed_at) * 1000000)::int8, key_id, signature
                FROM checkpoints WHERE seal_seq > \(after) ORDER BY seal_seq
                """, logger: logger)
            var lines = ""
            var count = 0
            for row in rows {
                let (seq, chain, at, keyID, signature) = try row.decode((Int64, ByteBuffer, Int64, String, ByteBuffer).self)
                lines += Checkpoint(sealSeq: seq, chainHash: Array(buffer: chain), signedAt: Timestamp(microsecondsSinceEpoch: at),
                                    keyID: keyID, signature: Array(buffer: signature)).jsonLine + "\n"
                count += 1
            }
            return (lines, count)
        }
        guard count > 0 else { return 0 }
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o644]) else {
                throw CheckpointFileError("cannot create the checkpoint file \(path)")
            }
        }
        let handle = try FileHandle(forWritingTo: URL(filePath: path))
        defer { try? handle.close() }
        try handle.truncate(atOffset: UInt64(validLength))
        try handle.seek(toOffset: UInt64(validLength))
        try handle.write(contentsOf: Data(lines.utf8))
        try handle.synchronize()
        return count
    }

    /// The checkpoints of a file and the length of its whole lines; a torn last line (one without
    /// its newline) is left out. Any whole line that is not a checkpoint is an error.
    public static func read(_ path: String) throws -> (checkpoints: [Checkpoint], validLength: Int) {
        guard let data = FileManager.default.contents(atPath: path) else { return ([], 0) }
        var checkpoints: [Checkpoint] = []
        var validLength = 0
        var start = data.startIndex
        var lineNumber = 0
        while start < data.endIndex {
            lineNumber += 1
            guard let newline = data[start...].firstIndex(of: UInt8(ascii: "\n")) else { break }  // torn: no newline
            let line = String(decoding: data[start..<newline], as: UTF8.self)
            guard let checkpoint = Checkpoint(jsonLine: line) else {
                throw CheckpointFileError("\(path):\(lineNumber) is not a checkpoint line")
            }
            checkpoints.append(checkpoint)
            start = data.index(after: newline)
            validLength = start - data.startIndex
        }
        return (checkpoints, validLength)
    }
}

/// A checkpoint file that cannot be read or written.
public struct CheckpointFileError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
