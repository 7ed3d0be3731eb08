import Crypto
import Foundation

/// The form in which Vellum keeps a high-entropy secret it generated (authorization code, refresh
/// token, session id, client secret): the lowercase hex SHA-256 of its UTF-8 bytes (DESIGN.md §2).
/// The secret itself never reaches the log, a projection or a log line.
public struct SecretHash: Sendable, Hashable, Codable, CustomStringConvertible {
    /// 64 lowercase hex digits.
    public let hex: String

    /// The hash of `secret`.
    public init(of secret: String) {
        self.hex = Hex.encode(SHA256.hash(data: Data(secret.utf8)))
    }

    /// A hash as stored (hex); for reading back from storage.
    public init(hex: String) { self.hex = hex }

    public var description: String { hex }

    public init(from decoder: any Decoder) throws { self.hex = try decoder.singleValueContainer().decode(String.self) }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}
