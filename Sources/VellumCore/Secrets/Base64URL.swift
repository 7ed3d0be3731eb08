public import Foundation
import ExtrasBase64

/// Base64url without padding (RFC 4648 §5), as OAuth, PKCE and JOSE use it.
public enum Base64URL {
    /// Encodes `data` without padding.
    public static func encode(_ data: some Collection<UInt8>) -> String {
        Base64.encodeToString(bytes: data, options: [.base64UrlAlphabet, .omitPaddingCharacter])
    }

    /// Decodes `text`, with or without padding; nil when it is not base64url.
    public static func decode(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}

/// Comparison whose time does not depend on where two secrets differ.
public enum ConstantTime {
    /// Whether `a` and `b` are equal; the time depends only on their lengths.
    public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
