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
            // (A key published by another instance at the same moment shows up on the next call.)
            return try await loadPrivate(keyID: existing, store: store, masterKey: masterKey, logger: logger)
        }
        let key = Curve25519.Signing.PrivateKey()
        let publicKey = Base64URL.encode(key.publicKey.rawRepresentation)
        let keyID = String(SecretHash(of: publicKey).hex.prefix(16))
        let sealed = try masterKey.seal(key.rawRepresentation, purpose: "audit key", context: keyID)
        try await KeySecrets(client: store.client, logger: logger).store(Array(sealed), for: keyID, kind: .audit)
        // Published through the audit aggregate's update (the stream may already name keys held
        // elsewhere). Should two instances race, each publishes its own; the newest kept one signs.
        try await store.publishAuditKey(AuditKeyCreated(keyID: keyID, publicKey: publicKey), metadata: metadata)
        logger.notice("created the audit key that signs checkpoints", metadata: ["key_id": "\(keyID)"])
        return AuditKey(keyID: keyID, privateKey: key)
    }

    /// The newest published audit key whose private half this database keeps; keys held in files
    /// outside it (`vellum audit-key init`) are not this instance's to sign with.
    private static func existingKeyID(_ store: EventStore) async throws -> String? {
        let published = try await store.readStream(streamID).filter { $0.type == AuditKeyCreated.type }
            .map { try EventJSON.decode(AuditKeyCreated.self, from: $0.payload).keyID }
        guard !published.isEmpty else { return nil }
        let kept = try await KeySecrets(client: store.client, logger: store.logger).kept(among: published, kind: .audit)
        return published.last { kept.contains($0) }
    }

    private static func loadPrivate(keyID: String, store: EventStore, masterKey: MasterKey, logger: Logger) async throws -> AuditKey {
        guard let sealed = try await KeySecrets(client: store.client, logger: logger).sealed(for: keyID, kind: .audit) else { throw MasterKeyError("the private half of audit key \(keyID) is missing from audit_key_secrets") }
        let raw = try masterKey.open(sealed, purpose: "audit key", context: keyID)
        return AuditKey(keyID: keyID, privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: raw))
    }
}
