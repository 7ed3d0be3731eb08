public import Foundation
public import Logging
import NIOCore
public import PostgresNIO

/// The private halves of the token signing keys (`signing_key_secrets`) and of the in-database
/// audit key (`audit_key_secrets`), already encrypted under the master key by the caller: the
/// store keeps bytes it cannot read. Never projections, never in the log.
public struct KeySecrets: Sendable {
    /// Which table: the two kinds of key are kept apart.
    public enum Kind: Sendable {
        case signing
        case audit

        var table: String { self == .signing ? "signing_key_secrets" : "audit_key_secrets" }
        var key: String { self == .signing ? "kid" : "key_id" }
    }

    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Keeps `sealed` as the secret of key `id` (once: a second store of the same id changes nothing).
    public func store(_ sealed: [UInt8], for id: String, kind: Kind) async throws {
        try await client.query("""
            INSERT INTO \(unescaped: kind.table) (\(unescaped: kind.key), encrypted_private_key) VALUES (\(id), \(ByteBuffer(bytes: sealed)))
            ON CONFLICT (\(unescaped: kind.key)) DO NOTHING
            """, logger: logger)
    }

    /// The sealed secret of key `id`, if kept.
    public func sealed(for id: String, kind: Kind) async throws -> Data? {
        let rows = try await client.query(
            "SELECT encrypted_private_key FROM \(unescaped: kind.table) WHERE \(unescaped: kind.key) = \(id)", logger: logger)
        for try await buffer in rows.decode(ByteBuffer.self) { return Data(buffer: buffer) }
        return nil
    }

    /// Forgets the secret of a key that was never published (it lost a race to be the first).
    public func remove(_ id: String, kind: Kind) async throws {
        try await client.query("DELETE FROM \(unescaped: kind.table) WHERE \(unescaped: kind.key) = \(id)", logger: logger)
    }

    /// The ids among `ids` whose secrets this database keeps.
    public func kept(among ids: [String], kind: Kind) async throws -> Set<String> {
        var kept = Set<String>()
        for try await id in try await client.query(
            "SELECT \(unescaped: kind.key) FROM \(unescaped: kind.table) WHERE \(unescaped: kind.key) = ANY(\(ids)::text[])", logger: logger
        ).decode(String.self) { kept.insert(id) }
        return kept
    }
}
