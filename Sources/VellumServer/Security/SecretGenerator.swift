import Crypto
import VellumCore

/// Generates the secrets Vellum hands out: 256 bits from the CSPRNG (swift-crypto's, seeded by the
/// kernel), base64url.
enum SecretGenerator {
    /// A new secret of `bytes` random bytes (default 32: 256 bits).
    static func generate(bytes: Int = 32) -> String {
        SymmetricKey(size: SymmetricKeySize(bitCount: bytes * 8)).withUnsafeBytes { Base64URL.encode($0) }
    }
}
