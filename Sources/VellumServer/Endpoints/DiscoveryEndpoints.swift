import Hummingbird
import NIOCore
import VellumCore

/// Authorization server metadata (RFC 8414) at `/.well-known/oauth-authorization-server` and
/// `/.well-known/openid-configuration`, and the key set at `/jwks.json`.
struct DiscoveryEndpoints: Sendable {
    let server: AuthorizationServer

    func register(on router: Router<VellumRequestContext>) {
        let metadata = Self.metadata(issuer: server.configuration.issuer)
        router.get(".well-known/oauth-authorization-server") { _, _ in Responses.json(metadata) }
        router.get(".well-known/openid-configuration") { _, _ in Responses.json(metadata) }
        router.get("jwks.json") { _, _ in
            var response = Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: try await server.keys.jwksJSON())))
            response.headers[.contentType] = "application/jwk-set+json"
            response.headers[.cacheControl] = "public, max-age=300"
            return response
        }
    }

    /// What Vellum supports; every endpoint a client needs is listed here.
    static func metadata(issuer: String) -> AuthorizationServerMetadata {
        AuthorizationServerMetadata(
            issuer: issuer,
            authorizationEndpoint: issuer + "/authorize",
            tokenEndpoint: issuer + "/token",
            jwksURI: issuer + "/jwks.json",
            revocationEndpoint: issuer + "/revoke",
            introspectionEndpoint: issuer + "/introspect",
            userinfoEndpoint: issuer + "/userinfo",
            endSessionEndpoint: issuer + "/logout",
            responseTypesSupported: ["code"],
            responseModesSupported: ["query"],
            grantTypesSupported: ["authorization_code", "refresh_token"],
            revocationEndpointAuthMethodsSupported: ClientAuthenticationMethod.allCases.map(\.rawValue),
            introspectionEndpointAuthMethodsSupported: ClientAuthenticationMethod.allCases.map(\.rawValue),
            claimsSupported: ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "preferred_username"],
            tokenEndpointAuthMethodsSupported: ClientAuthenticationMethod.allCases.map(\.rawValue),
            codeChallengeMethodsSupported: [PKCE.method],
            authorizationResponseIssParameterSupported: true,
            subjectTypesSupported: ["public"],
            idTokenSigningAlgValuesSupported: ["ES256"],
            scopesSupported: ["openid", "profile", "email", "offline_access"],
            promptValuesSupported: Prompt.allCases.map(\.rawValue),
            requestParameterSupported: false, requestURIParameterSupported: false)
    }
}

/// RFC 8414 §2 (and the OpenID Connect Discovery fields Vellum serves).
struct AuthorizationServerMetadata: Encodable, Sendable {
    let issuer: String
    let authorizationEndpoint: String
    let tokenEndpoint: String
    let jwksURI: String
    let revocationEndpoint: String
    let introspectionEndpoint: String
    let userinfoEndpoint: String
    let endSessionEndpoint: String
    let responseTypesSupported: [String]
    let responseModesSupported: [String]
    let grantTypesSupported: [String]
    let revocationEndpointAuthMethodsSupported: [String]
    let introspectionEndpointAuthMethodsSupported: [String]
    let claimsSupported: [String]
    let tokenEndpointAuthMethodsSupported: [String]
    let codeChallengeMethodsSupported: [String]
    let authorizationResponseIssParameterSupported: Bool
    let subjectTypesSupported: [String]
    let idTokenSigningAlgValuesSupported: [String]
    let scopesSupported: [String]
    /// OpenID Connect Prompt Create §4.2 names this; the values of `prompt` understood.
    let promptValuesSupported: [String]
    /// OpenID Connect Discovery §3: request objects are not supported.
    let requestParameterSupported: Bool
    let requestURIParameterSupported: Bool

    enum CodingKeys: String, CodingKey {
        case issuer, authorizationEndpoint = "authorization_endpoint", tokenEndpoint = "token_endpoint"
        case jwksURI = "jwks_uri", responseTypesSupported = "response_types_supported"
        case revocationEndpoint = "revocation_endpoint", introspectionEndpoint = "introspection_endpoint"
        case userinfoEndpoint = "userinfo_endpoint", endSessionEndpoint = "end_session_endpoint"
        case promptValuesSupported = "prompt_values_supported", requestParameterSupported = "request_parameter_supported"
        case requestURIParameterSupported = "request_uri_parameter_supported"
        case revocationEndpointAuthMethodsSupported = "revocation_endpoint_auth_methods_supported"
        case introspectionEndpointAuthMethodsSupported = "introspection_endpoint_auth_methods_supported"
        case claimsSupported = "claims_supported"
        case responseModesSupported = "response_modes_supported", grantTypesSupported = "grant_types_supported"
        case tokenEndpointAuthMethodsSupported = "token_endpoint_auth_methods_supported"
        case codeChallengeMethodsSupported = "code_challenge_methods_supported"
        case authorizationResponseIssParameterSupported = "authorization_response_iss_parameter_supported"
        case subjectTypesSupported = "subject_types_supported"
        case idTokenSigningAlgValuesSupported = "id_token_signing_alg_values_supported"
        case scopesSupported = "scopes_supported"
    }
}
