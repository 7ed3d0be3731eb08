public import Crypto
public import Foundation
public import VellumCore

/// An audit key kept in a file, outside the database: the trust root of `vellum-audit verify`.
///
/// `vellum audit-key init --key-file FILE` writes the private key to FILE (mode 0600) and the public
/// key to FILE.pub; the log records only the public half (`AuditKeyCreated`). An auditor pins the
/// public key (the .pub file) or its fingerprint, and a signer that never runs on the database's
/// hosts (`vellum sealer`) keeps the private key, so whoever administers the database can rewrite
/// the log but cannot sign for the rewrite.
public struct AuditKeyFile: CheckpointSigner {
    public let keyID: String
    public let publicKey: Curve25519.Signing.PublicKey
    private let privateKey: Curve25519.Signing.PrivateKey

    public func sign(_ message: [UInt8]) throws -> [UInt8] { Array(try privateKey.signature(for: message)) }

    /// The event that publishes this key in the log.
    public var created: AuditKeyCreated {
        AuditKeyCreated(keyID: keyID, publicKey: Base64URL.encode(publicKey.rawRepresentation))
    }

    /// The fingerprint an auditor pins: the SHA-256 of the raw public key, in hex.
    public var fingerprint: String { Self.fingerprint(publicKey) }

    /// The fingerprint of `key`.
    public static func fingerprint(_ key: Curve25519.Signing.PublicKey) -> String {
        Hex.encode(SHA256.hash(data: key.rawRepresentation))
    }

    /// The key id Vellum gives a public key (the first 16 hex digits of the SHA-256 of its base64url form).
    public static func keyID(_ key: Curve25519.Signing.PublicKey) -> String {
        String(SecretHash(of: Base64URL.encode(key.rawRepresentation)).hex.prefix(16))
    }

    /// Creates a new key at `path` (refusing to overwrite one) and its public half at `path.pub`.
    public static func create(at path: String) throws -> AuditKeyFile {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw AuditKeyFileError("\(path) exists already: an audit key is never overwritten")
        }
        let key = Curve25519.Signing.PrivateKey()
        let file = AuditKeyFile(keyID: keyID(key.publicKey), publicKey: key.publicKey, privateKey: key)
        let privateJSON = #"{"algorithm":"Ed25519","key_id":"\#(file.keyID)","private_key":"\#(Base64URL.encode(key.rawRepresentation))","public_key":"\#(Base64URL.encode(key.publicKey.rawRepresentation))"}"#
        guard FileManager.default.createFile(atPath: path, contents: Data((privateJSON + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw AuditKeyFileError("cannot write \(path)")
        }
        try Data((file.publicJSON + "\n").utf8).write(to: URL(filePath: path + ".pub"))
        return file
    }

    /// The public half as written to the .pub file.
    public var publicJSON: String {
        #"{"algorithm":"Ed25519","fingerprint":"\#(fingerprint)","key_id":"\#(keyID)","public_key":"\#(Base64URL.encode(publicKey.rawRepresentation))"}"#
    }

    /// Loads the signing key at `path`.
    public static func load(_ path: String) throws -> AuditKeyFile {
        let object = try json(at: path)
        guard let text = object["private_key"] as? String, let raw = Base64URL.decode(text),
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
            throw AuditKeyFileError("\(path) holds no Ed25519 private key")
        }
        return AuditKeyFile(keyID: keyID(key.publicKey), publicKey: key.publicKey, privateKey: key)
    }

    /// The public key in a key file or its .pub file.
    public static func loadPublic(_ path: String) throws -> Curve25519.Signing.PublicKey {
        let object = try json(at: path)
        guard let text = object["public_key"] as? String, let raw = Base64URL.decode(text),
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
            throw AuditKeyFileError("\(path) holds no Ed25519 public key")
        }
        return key
    }

    private static func json(at path: String) throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw AuditKeyFileError("cannot read an audit key from \(path)")
        }
        return object
    }
}

/// An audit key file that cannot be used, with the reason.
public struct AuditKeyFileError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
