/// An OpenID Connect `prompt` value (Core §3.1.2.1).
public enum Prompt: String, Sendable, Codable, Comparable, CaseIterable {
    /// Show no page: answer `login_required` or `consent_required` instead.
    case none
    /// Ask for the password again, even with a live session.
    case login
    /// Ask for consent again, even when a consent is remembered.
    case consent
    /// Let the user choose an account. Vellum has one account per browser session, so this is
    /// taken as `login`.
    case selectAccount = "select_account"

    public static func < (lhs: Prompt, rhs: Prompt) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Parses a space-separated `prompt` parameter: known values only, `none` alone.
    public static func parse(_ text: String) throws(OAuthError) -> [Prompt] {
        var values: [Prompt] = []
        for token in text.split(separator: " ") {
            guard let value = Prompt(rawValue: String(token)) else {
                throw .invalidRequest("prompt has an unknown value '\(token)'")
            }
            if !values.contains(value) { values.append(value) }
        }
        if values.contains(.none) && values.count > 1 {
            throw .invalidRequest("prompt=none cannot be combined with other values")
        }
        return values.sorted()
    }
}
