import Crypto
import Foundation
import Logging
import NIOCore
import PostgresNIO
import VellumCore
import VellumStore

/// The Ed25519 key that signs checkpoints of the seal chain. Its public half is an event of the
/// `audit` stream (so the log itself says which key vouches for it); its private half is stored
/// encrypted under the master key, like the token signing keys.
struct AuditKey: CheckpointSigner {
    static let streamID = "audit"
    let keyID: String
    private let privateKey: Curve25519.Signing.PrivateKey

    func sign(_ message: [UInt8]) throws -> [UInt8] {
        Array(try privateKey.signature(for: message))
    }

    /// The audit key, created on first use (once across instances).
    static func load(store: EventStore, masterKey: MasterKey, metadata: EventMetadata, logger: Logger) async throws -> AuditKey {
        if let existing = try await existingKeyID(store) {
            return try await loadPrivate(keyID: existing, store: store, masterKey: masterKey, logger: logger)
        }
        let key = Curve25519.Signing.PrivateKey()
        let publicKey = Base64URL.encode(key.publicKey.rawRepresentation)
        let keyID = String(SecretHash(of: publicKey).hex.prefix(16))
        let sealed = try masterKey.seal(key.rawRepresentation, purpose: "audit key", context: keyID)
        try await store.client.query("""
            INSERT INTO audit_key_secrets (key_id, encrypted_private_key) VALUES (\(keyID), \(ByteBuffer(bytes: sealed)))
            ON CONFLICT (key_id) DO NOTHING
            """, logger: logger)
        do {
            try await store.append(to: streamID, expected: .noStream, events: [ProposedEvent(
                type: AuditKeyCreated.type, payload: try EventJSON.encode(AuditKeyCreated(keyID: keyID, publicKey: publicKey)),
                metadata: try EventJSON.encodeValue(metadata))])
            logger.notice("created the audit key that signs checkpoints", metadata: ["key_id": "\(keyID)"])
            return AuditKey(keyID: keyID, privateKey: key)
        } catch AppendError.wrongExpectedVersion {
            // Another instance created it first.
            try await store.client.query("DELETE FROM audit_key_secrets WHERE key_id = \(keyID)", logger: logger)
            return try await load(store: store, masterKey: masterKey, metadata: metadata, logger: logger)
        }
    }

    private static func existingKeyID(_ store: EventStore) async throws -> String? {
        try await store.readStream(streamID).last { $0.type == AuditKeyCreated.type }
            .map { try EventJSON.decode(AuditKeyCreated.self, from: $0.payload).keyID }
    }

    private static func loadPrivate(keyID: String, store: EventStore, masterKey: MasterKey, logger: Logger) async throws -> AuditKey {
        let rows = try await store.client.query(
            "SELECT encrypted_private_key FROM audit_key_secrets WHERE key_id = \(keyID)", logger: logger)
        var sealed: Data?
        for try await buffer in rows.decode(ByteBuffer.self) { sealed = Data(buffer: buffer) }
        guard let sealed else { throw MasterKeyError("the private half of audit key \(keyID) is missing from audit_key_secrets") }
        let raw = try masterKey.open(sealed, purpose: "audit key", context: keyID)
        return AuditKey(keyID: keyID, privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: raw))
    }
}
