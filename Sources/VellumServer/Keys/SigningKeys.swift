import Crypto
import Foundation
import JWTKit
import Logging
import PostgresNIO
import Synchronization
import VellumCore
import VellumStore

/// The ES256 keys access tokens are signed with (RFC 9068). Private halves live encrypted under the
/// master key in `signing_key_secrets`; public halves are events of the `keys` stream and rows of
/// the `signing_keys` projection, published at `/jwks.json`.
final class SigningKeys: Sendable {
    private let collection = JWTKeyCollection()
    private let activeKID = Mutex<String?>(nil)
    private let store: EventStore
    private let masterKey: MasterKey
    private let logger: Logger

    static let streamID = "keys"
    static let algorithm = "ES256"

    init(store: EventStore, masterKey: MasterKey, logger: Logger) {
        self.store = store
        self.masterKey = masterKey
        self.logger = logger
    }

    /// Makes sure a key is active (creating the first one, once, across every instance), then loads it.
    func prepare(metadata: EventMetadata) async throws {
        if let kid = try Self.activeKey(in: try await store.readStream(Self.streamID)) {
            try await load(kid: kid)
            return
        }
        try await createFirstKey(metadata: metadata)
    }

    /// The kid of the last activated key in the `keys` stream's history.
    private static func activeKey(in history: [RecordedEvent]) throws -> String? {
        var active: String?
        for event in history where event.type == SigningKeyActivated.type {
            active = try EventJSON.decode(SigningKeyActivated.self, from: event.payload).kid
        }
        return active
    }

    private func createFirstKey(metadata: EventMetadata) async throws {
        let key = ES256PrivateKey()
        guard let parameters = key.parameters else { throw MasterKeyError("the new key has no public parameters") }
        let jwk = PublicJWK(x: parameters.x, y: parameters.y, kid: Self.thumbprint(x: parameters.x, y: parameters.y))
        let sealed = try masterKey.seal(Data(key.pemRepresentation.utf8), purpose: "signing key", context: jwk.kid)
        try await store.client.query("""
            INSERT INTO signing_key_secrets (kid, encrypted_private_key) VALUES (\(jwk.kid), \(ByteBuffer(bytes: sealed)))
            ON CONFLICT (kid) DO NOTHING
            """, logger: logger)
        let metadataJSON = try EventJSON.encodeValue(metadata)
        let created = try await store.update(Self.streamID) { history -> StreamDecision<Bool> in
            guard try Self.activeKey(in: history) == nil else { return StreamDecision(events: [], result: false) }
            return StreamDecision(events: [
                ProposedEvent(type: SigningKeyCreated.type, payload: try EventJSON.encode(SigningKeyCreated(
                    kid: jwk.kid, algorithm: Self.algorithm, publicJWK: jwk)), metadata: metadataJSON),
                ProposedEvent(type: SigningKeyActivated.type, payload: try EventJSON.encode(SigningKeyActivated(kid: jwk.kid)),
                              metadata: metadataJSON),
            ], result: true)
        }
        if created {
            logger.notice("created and activated signing key", metadata: ["kid": "\(jwk.kid)"])
        } else {
            // Another instance created the first key at the same moment: use theirs.
            try await store.client.query("DELETE FROM signing_key_secrets WHERE kid = \(jwk.kid)", logger: logger)
        }
        try await prepare(metadata: metadata)
    }

    private func load(kid: String) async throws {
        let rows = try await store.client.query(
            "SELECT encrypted_private_key FROM signing_key_secrets WHERE kid = \(kid)", logger: logger)
        var sealed: Data?
        for try await buffer in rows.decode(ByteBuffer.self) { sealed = Data(buffer: buffer) }
        guard let sealed else { throw MasterKeyError("the private half of signing key \(kid) is missing from signing_key_secrets") }
        let pem = String(decoding: try masterKey.open(sealed, purpose: "signing key", context: kid), as: UTF8.self)
        await collection.add(ecdsa: try ES256PrivateKey(pem: pem), kid: JWKIdentifier(string: kid))
        activeKID.withLock { $0 = kid }
    }

    /// Signs `payload` with the active key, with header `typ`.
    func sign(_ payload: some JWTPayload, type: String) async throws -> String {
        guard let kid = activeKID.withLock({ $0 }) else { throw MasterKeyError("no signing key is loaded") }
        var header = JWTHeader()
        header.typ = type
        header.alg = Self.algorithm
        return try await collection.sign(payload, kid: JWKIdentifier(string: kid), header: header)
    }

    /// The RFC 7638 thumbprint of a P-256 key: SHA-256 over the required members in lexicographic
    /// order, without white space. It names the key (`kid`).
    static func thumbprint(x: String, y: String) -> String {
        let canonical = #"{"crv":"P-256","kty":"EC","x":"\#(x)","y":"\#(y)"}"#
        return Base64URL.encode(Data(SHA256.hash(data: Data(canonical.utf8))))
    }

    /// The JWK Set of every key not retired (RFC 7517 §5), as JSON.
    func jwksJSON() async throws -> String {
        let rows = try await store.client.query(
            "SELECT public_jwk FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at", logger: logger)
        var keys: [String] = []
        for try await jwk in rows.decode(String.self) { keys.append(jwk) }
        return #"{"keys":[\#(keys.joined(separator: ","))]}"#
    }
}

