import Crypto
import Foundation

/// Proof Key for Code Exchange (RFC 7636), S256 only: `plain` offers no protection against an
/// attacker who sees the authorization request and is refused (RFC 9700 §2.1.1).
public enum PKCE {
    /// The one supported `code_challenge_method`.
    public static let method = "S256"

    /// Checks a `code_challenge` as sent to the authorization endpoint: a base64url SHA-256 digest.
    public static func validateChallenge(_ challenge: String, method: String?) throws(OAuthError) {
        guard let method else {
            throw .invalidRequest("code_challenge_method is required; use S256")
        }
        guard method == Self.method else {
            throw .invalidRequest("code_challenge_method '\(method)' is not supported; use S256")
        }
        guard challenge.utf8.count == 43, challenge.utf8.allSatisfy(isBase64URL) else {
            throw .invalidRequest("code_challenge must be the base64url SHA-256 of the verifier (43 characters)")
        }
    }

    /// Whether `verifier` is well-formed (RFC 7636 §4.1: 43–128 unreserved characters).
    public static func isWellFormedVerifier(_ verifier: String) -> Bool {
        (43...128).contains(verifier.utf8.count) && verifier.utf8.allSatisfy { isBase64URL($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "~") }
    }

    /// The S256 challenge of `verifier`: `BASE64URL(SHA256(ASCII(verifier)))`.
    public static func challenge(for verifier: String) -> String {
        Base64URL.encode(Data(SHA256.hash(data: Data(verifier.utf8))))
    }

    /// Whether `verifier` matches `challenge`, compared in constant time.
    public static func verify(verifier: String, challenge: String) -> Bool {
        guard isWellFormedVerifier(verifier) else { return false }
        return ConstantTime.equal(Array(Self.challenge(for: verifier).utf8), Array(challenge.utf8))
    }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"): true
        default: false
        }
    }
}
