import Crypto
public import Foundation
public import Logging

/// The 32-byte master key (DESIGN.md §7): it encrypts the private signing keys at rest and keys the
/// HMACs of CSRF tokens. All instances sharing a database must share it.
public struct MasterKey: Sendable {
    let key: SymmetricKey

    /// A master key from its 32 raw bytes.
    public init(bytes: some ContiguousBytes) throws {
        let key = SymmetricKey(data: bytes)
        guard key.bitCount == 256 else { throw MasterKeyError("the master key must be 32 bytes") }
        self.key = key
    }

    /// `VELLUM_MASTER_KEY` (base64), else `VELLUM_MASTER_KEY_FILE`, else `<dataDirectory>/master.key`,
    /// created on first start with a warning.
    public static func load(environment: [String: String], dataDirectory: String, logger: Logger) throws -> MasterKey {
        if let encoded = environment["VELLUM_MASTER_KEY"], !encoded.isEmpty {
            guard let bytes = Data(base64Encoded: encoded.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw MasterKeyError("VELLUM_MASTER_KEY is not base64")
            }
            return try MasterKey(bytes: bytes)
        }
        let path = environment["VELLUM_MASTER_KEY_FILE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? URL(filePath: dataDirectory).appending(path: "master.key").path
        if let contents = FileManager.default.contents(atPath: path) {
            let text = String(decoding: contents, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let bytes = Data(base64Encoded: text) else { throw MasterKeyError("\(path) does not hold a base64 key") }
            return try MasterKey(bytes: bytes)
        }
        let key = SymmetricKey(size: .bits256)
        let encoded = key.withUnsafeBytes { Data($0).base64EncodedString() }
        try FileManager.default.createDirectory(at: URL(filePath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: Data((encoded + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw MasterKeyError("cannot write the new master key to \(path)")
        }
        logger.warning("""
            created a new master key in \(path): it encrypts the signing keys. Back it up, and give the same key \
            (VELLUM_MASTER_KEY or VELLUM_MASTER_KEY_FILE) to every instance that shares this database
            """)
        return try MasterKey(bytes: Data(base64Encoded: encoded)!)
    }

    /// A key for one purpose, derived with HKDF-SHA256, so no two uses share key material.
    func derived(for purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data("vellum \(purpose)".utf8), outputByteCount: 32)
    }

    /// Encrypts `plaintext` (AES-GCM under the key for `purpose`), binding it to `context`.
    func seal(_ plaintext: Data, purpose: String, context: String) throws -> Data {
        let box = try AES.GCM.seal(plaintext, using: derived(for: purpose), authenticating: Data(context.utf8))
        guard let combined = box.combined else { throw MasterKeyError("AES-GCM produced no output") }
        return combined
    }

    /// Decrypts what ``seal(_:purpose:context:)`` produced with the same purpose and context.
    func open(_ sealed: Data, purpose: String, context: String) throws -> Data {
        do {
            return try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: derived(for: purpose), authenticating: Data(context.utf8))
        } catch {
            throw MasterKeyError("cannot decrypt with this master key: is it the one the database was set up with?")
        }
    }
}

/// A master key that cannot be loaded or used, with the reason.
public struct MasterKeyError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
