/// A scope as the consent page shows it: a title and a sentence in plain words, never the token.
public struct ScopeDescription: Sendable, Equatable {
    public let name: String
    public let title: String
    public let description: String

    public init(name: String, title: String, description: String) {
        self.name = name
        self.title = title
        self.description = description
    }

    /// The descriptions of the standard scopes (OpenID Connect Core §5.4 and `offline_access`).
    static let standard: [String: (title: String, description: String)] = [
        "openid": ("Know who you are", "Confirm your identity with your account ID when you sign in."),
        "profile": ("Your profile", "See your username and basic profile details."),
        "email": ("Your email address", "See the email address of your account."),
        "address": ("Your postal address", "See the postal address on your account."),
        "phone": ("Your phone number", "See the phone number on your account."),
        "offline_access": ("Stay connected", "Keep access while you are away, until you revoke it."),
    ]

    /// The description of each token of `scope`, in order: the standard ones in plain words, any
    /// other as a permission the application defines.
    public static func describe(_ scope: Scope, clientName: String) -> [ScopeDescription] {
        scope.tokens.map { name in
            if let known = standard[name] {
                return ScopeDescription(name: name, title: known.title, description: known.description)
            }
            return ScopeDescription(
                name: name, title: "Access that \(clientName) defines",
                description: "A permission named “\(name)” that \(clientName) uses for its own features.")
        }
    }
}
