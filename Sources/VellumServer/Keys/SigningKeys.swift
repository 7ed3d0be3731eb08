import Crypto
import Foundation
import JWTKit
import Logging
import PostgresNIO
import Synchronization
import VellumCore
import VellumStore

/// The ES256 keys tokens are signed with (RFC 9068, OpenID Connect). Private halves live
/// encrypted under the master key in `signing_key_secrets`; public halves are events of the
/// `keys` stream, published at `/jwks.json` until retired. Every instance follows the stream:
/// when another instance (or `vellum keys rotate`) changes it, ``refresh()`` loads the change.
final class SigningKeys: Sendable {
    private struct Loaded: Sendable {
        var version: Int64 = -1
        var ring = SigningKeyRing()
        var signer: JWTKeyCollection?
        var verifier = JWTKeyCollection()
        /// Access tokens whose signature this ring verified, with their claims: a resource server
        /// introspects the same token on every call it serves, and the signature check was the
        /// largest part of an introspection. Valid as long as the ring (a retired key's tokens
        /// have all expired); cleared when it changes, bounded to those verified or asked for most
        /// recently.
        var verifiedAccessTokens = RecentEntries<String, AccessTokenClaims>(capacity: verifiedAccessTokenCapacity)
    }

    /// How many verified access tokens are kept at most (about 1 KB each).
    static let verifiedAccessTokenCapacity = 4_096

    private let loaded = Mutex(Loaded())
    private let store: EventStore
    private let masterKey: MasterKey
    private let logger: Logger

    static let streamID = "keys"
    static let algorithm = "ES256"

    /// Where the private halves are kept, sealed.
    private var secrets: KeySecrets { KeySecrets(client: store.client, logger: logger) }

    init(store: EventStore, masterKey: MasterKey, logger: Logger) {
        self.store = store
        self.masterKey = masterKey
        self.logger = logger
    }

    /// Makes sure a key is active (creating the first one, once, across every instance), then loads the ring.
    func prepare(metadata: EventMetadata) async throws {
        if try await ring().activeKID == nil {
            try await createKey(activateAt: nil, metadata: metadata)
        }
        try await refresh()
    }

    /// The ring as the `keys` stream has it now.
    func ring() async throws -> SigningKeyRing {
        SigningKeyRing(events: try await store.readStream(Self.streamID).compactMap {
            try SigningKeyRing.decode(type: $0.type, payload: $0.payload)
        })
    }

    /// Reloads the keys if the `keys` stream changed since the last load.
    func refresh() async throws {
        let version = try await store.version(of: Self.streamID)
        guard version != loaded.withLock({ $0.version }) else { return }
        let ring = try await ring()
        let verifier = JWTKeyCollection()
        for key in ring.publishedKeys {
            await verifier.add(ecdsa: try ES256PublicKey(parameters: (key.jwk.x, key.jwk.y)), kid: JWKIdentifier(string: key.kid))
        }
        var signer: JWTKeyCollection?
        if let kid = ring.activeKID {
            let collection = JWTKeyCollection()
            await collection.add(ecdsa: try await privateKey(kid: kid), kid: JWKIdentifier(string: kid))
            signer = collection
        }
        loaded.withLock { $0 = Loaded(version: version, ring: ring, signer: signer, verifier: verifier) }
        logger.info("signing keys loaded", metadata: ["active": "\(ring.activeKID ?? "none")", "published": "\(ring.publishedKeys.count)"])
    }

    /// Generates a key, stores its private half encrypted, and publishes it; it becomes active at
    /// `activateAt` (nil: at once). Returns its kid, or nil when another instance created the first
    /// key at the same moment (then that key is used).
    @discardableResult
    func createKey(activateAt: Timestamp?, metadata: EventMetadata) async throws -> String? {
        let key = ES256PrivateKey()
        guard let parameters = key.parameters else { throw MasterKeyError("the new key has no public parameters") }
        let kid = Self.thumbprint(x: parameters.x, y: parameters.y)
        let sealed = try masterKey.seal(Data(key.pemRepresentation.utf8), purpose: "signing key", context: kid)
        try await secrets.store(Array(sealed), for: kid, kind: .signing)
        let metadataJSON = try EventJSON.encodeValue(metadata.forCommand(UUID().uuidString.lowercased()))
        let firstKey = activateAt == nil
        let created = try await store.update(Self.streamID) { history -> StreamDecision<Bool> in
            let ring = SigningKeyRing(events: try history.compactMap { try SigningKeyRing.decode(type: $0.type, payload: $0.payload) })
            if firstKey && ring.activeKID != nil { return StreamDecision(events: [], result: false) }
            var events = [try ProposedEvent(SigningKeyCreated(
                kid: kid, algorithm: Self.algorithm, publicJWK: PublicJWK(x: parameters.x, y: parameters.y, kid: kid),
                activateAt: activateAt), metadata: metadataJSON)]
            if firstKey {
                events.append(try ProposedEvent(SigningKeyActivated(kid: kid, activatedAt: Timestamp(Date())), metadata: metadataJSON))
            }
            return StreamDecision(events: events, result: true)
        }
        guard created else {
            try await secrets.remove(kid, kind: .signing)
            return nil
        }
        logger.notice("created signing key", metadata: ["kid": "\(kid)", "activate_at": "\(activateAt?.description ?? "now")"])
        return kid
    }

    /// Activates keys whose time has come and retires keys whose tokens have all expired; safe on
    /// every instance at once (the `keys` stream's version decides who writes).
    func maintain(now: Timestamp, tokenLifetime: Int64, metadata: EventMetadata) async throws {
        let metadataJSON = try EventJSON.encodeValue(metadata.forCommand(UUID().uuidString.lowercased()))
        try await store.update(Self.streamID) { history -> StreamDecision<Void> in
            let ring = SigningKeyRing(events: try history.compactMap { try SigningKeyRing.decode(type: $0.type, payload: $0.payload) })
            let events = try ring.due(at: now, tokenLifetime: tokenLifetime).map { event in
                try ProposedEvent(event, metadata: metadataJSON)
            }
            return StreamDecision(events: events, result: ())
        }
        try await refresh()
    }

    private func privateKey(kid: String) async throws -> ES256PrivateKey {
        guard let sealed = try await secrets.sealed(for: kid, kind: .signing) else { throw MasterKeyError("the private half of signing key \(kid) is missing from signing_key_secrets") }
        let pem = String(decoding: try masterKey.open(sealed, purpose: "signing key", context: kid), as: UTF8.self)
        return try ES256PrivateKey(pem: pem)
    }

    /// Signs `payload` with the active key, with header `typ`.
    func sign(_ payload: some JWTPayload, type: String) async throws -> String {
        let (signer, kid) = loaded.withLock { ($0.signer, $0.ring.activeKID) }
        guard let signer, let kid else { throw MasterKeyError("no signing key is loaded") }
        var header = JWTHeader()
        header.typ = type
        header.alg = Self.algorithm
        return try await signer.sign(payload, kid: JWKIdentifier(string: kid), header: header)
    }

    /// Verifies `token`'s signature against the published keys and decodes its claims; nil when
    /// the signature or the format is wrong.
    func verify<Payload: JWTPayload>(_ token: String, as payload: Payload.Type) async -> Payload? {
        let verifier = loaded.withLock { $0.verifier }
        return try? await verifier.verify(token, as: Payload.self)
    }

    /// The claims of access token `token` when its signature holds (nil otherwise), from the
    /// verified tokens kept for the current ring when it is there.
    func verifyAccessToken(_ token: String) async -> AccessTokenClaims? {
        let (kept, verifier, version) = loaded.withLock { ($0.verifiedAccessTokens.value(for: token), $0.verifier, $0.version) }
        if let kept { return kept }
        guard let claims = try? await verifier.verify(token, as: AccessTokenClaims.self) else { return nil }
        loaded.withLock { loaded in
            guard loaded.version == version else { return }
            loaded.verifiedAccessTokens.keep(claims, for: token)
        }
        return claims
    }

    /// The JWK Set of every published key (RFC 7517 §5), from the projection.
    func jwksJSON() async throws -> String {
        let rows = try await store.client.query(
            "SELECT public_jwk FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at", logger: logger)
        var keys: [String] = []
        for try await jwk in rows.decode(String.self) { keys.append(jwk) }
        return #"{"keys":[\#(keys.joined(separator: ","))]}"#
    }

    /// The RFC 7638 thumbprint of a P-256 key: SHA-256 over the required members in lexicographic
    /// order, without white space. It names the key (`kid`).
    static func thumbprint(x: String, y: String) -> String {
        let canonical = #"{"crv":"P-256","kty":"EC","x":"\#(x)","y":"\#(y)"}"#
        return Base64URL.encode(Data(SHA256.hash(data: Data(canonical.utf8))))
    }
}
