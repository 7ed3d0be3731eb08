import Foundation

/// A client as its events describe it: the client aggregate's state.
public struct RegisteredClient: Sendable, Equatable {
    public var clientID: String
    public var name: String
    public var redirectURIs: [String]
    public var isPublic: Bool
    public var authMethod: ClientAuthenticationMethod
    public var scope: Scope
    public var grantTypes: [String]
    public var secretHash: SecretHash?
    public var postLogoutRedirectURIs: [String]
    public var disabled: Bool

    /// The client that `registered` describes.
    public init(_ registered: ClientRegistered) {
        clientID = registered.clientID
        name = registered.name
        redirectURIs = registered.redirectURIs
        isPublic = registered.isPublic
        authMethod = registered.authMethod
        scope = registered.scope
        grantTypes = registered.grantTypes
        secretHash = registered.secretHash
        postLogoutRedirectURIs = registered.postLogoutRedirectURIs ?? []
        disabled = false
    }

    /// Whether the client may use `grantType`.
    public func allows(grantType: String) -> Bool { grantTypes.contains(grantType) }
}

/// The client aggregate's rules.
public enum ClientRules {
    /// The grant types Vellum supports.
    public static let supportedGrantTypes = ["authorization_code", "refresh_token"]

    /// Validates a registration an operator asked for and returns its event.
    ///
    /// - Parameter secretHash: the hash of the generated secret; nil for a public client.
    public static func register(
        clientID: String, name: String, redirectURIs: [String], isPublic: Bool,
        authMethod: ClientAuthenticationMethod?, scope: Scope, grantTypes: [String], secretHash: SecretHash?,
        postLogoutRedirectURIs: [String] = []
    ) throws(ClientRegistrationError) -> ClientRegistered {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw .init("the client needs a name") }
        guard !redirectURIs.isEmpty else { throw .init("the client needs at least one redirect URI") }
        for uri in redirectURIs where !RedirectURI.isRegistrable(uri) {
            throw .init("'\(uri)' cannot be a redirect URI: it must be an absolute https URI without a fragment "
                        + "(http only for loopback or localhost; native apps may use a reverse-domain scheme)")
        }
        for uri in postLogoutRedirectURIs where !RedirectURI.isRegistrable(uri) {
            throw .init("'\(uri)' cannot be a post-logout redirect URI: the rules of redirect URIs apply")
        }
        let method = authMethod ?? (isPublic ? .none : .clientSecretBasic)
        guard isPublic == (method == .none) else {
            throw .init(isPublic ? "a public client authenticates with 'none'" : "a confidential client needs client_secret_basic or client_secret_post")
        }
        guard isPublic == (secretHash == nil) else { throw .init("only confidential clients have a secret") }
        for grant in grantTypes where !supportedGrantTypes.contains(grant) {
            throw .init("unsupported grant type '\(grant)'")
        }
        guard grantTypes.contains("authorization_code") else { throw .init("the client needs the authorization_code grant") }
        return ClientRegistered(clientID: clientID, name: name, redirectURIs: redirectURIs, isPublic: isPublic,
                                authMethod: method, scope: scope, grantTypes: grantTypes, secretHash: secretHash,
                                postLogoutRedirectURIs: postLogoutRedirectURIs.isEmpty ? nil : postLogoutRedirectURIs)
    }
}

/// A client registration that cannot be accepted, with the reason.
public struct ClientRegistrationError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
