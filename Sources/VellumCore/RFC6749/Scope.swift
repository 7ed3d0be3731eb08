/// A set of scope tokens (RFC 6749 §3.3): space-delimited, case-sensitive, order-free.
public struct Scope: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The scope tokens, sorted, without duplicates.
    public let tokens: [String]

    /// A scope of `tokens` (sorted and de-duplicated).
    public init(_ tokens: some Sequence<String>) {
        self.tokens = Array(Set(tokens)).sorted()
    }

    /// Parses a `scope` parameter. Each token must be `1*( %x21 / %x23-5B / %x5D-7E )`.
    public init(parsing text: String) throws(OAuthError) {
        let tokens = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        for token in tokens {
            let valid = token.unicodeScalars.allSatisfy { scalar in
                scalar.value == 0x21 || (0x23...0x5B).contains(scalar.value) || (0x5D...0x7E).contains(scalar.value)
            }
            guard valid else { throw .invalidScope("the scope token '\(token)' has characters RFC 6749 §3.3 does not allow") }
        }
        self.init(tokens)
    }

    /// No scope.
    public static let empty = Scope([String]())

    /// Whether every token of `self` is in `other`.
    public func isSubset(of other: Scope) -> Bool { Set(tokens).isSubset(of: Set(other.tokens)) }

    /// Whether `token` is in the scope.
    public func contains(_ token: String) -> Bool { tokens.contains(token) }

    /// Whether there is no token.
    public var isEmpty: Bool { tokens.isEmpty }

    /// The space-delimited form.
    public var description: String { tokens.joined(separator: " ") }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode([String].self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(tokens)
    }
}
