import Foundation
import VellumCore

/// Generates the secrets Vellum hands out: 256 bits from the system's CSPRNG, base64url.
enum SecretGenerator {
    /// A new secret of `bytes` random bytes (default 32: 256 bits).
    static func generate(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64URL.encode((0..<bytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}
