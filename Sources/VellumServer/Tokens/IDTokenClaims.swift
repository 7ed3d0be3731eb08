import Crypto
import Foundation
import JWTKit
import VellumCore

/// The claims of an OpenID Connect ID token (OpenID Connect Core §2, §3.1.3.6).
struct IDTokenClaims: JWTPayload, Equatable {
    let iss: String
    let sub: String
    let aud: String
    let exp: Int64
    let iat: Int64
    let authTime: Int64?
    let nonce: String?
    /// The left half of the SHA-256 of the access token, base64url (`at_hash`).
    let atHash: String
    let preferredUsername: String?

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, exp, iat, authTime = "auth_time", nonce, atHash = "at_hash", preferredUsername = "preferred_username"
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}

    /// `at_hash` for an ES256-signed token: base64url of the left-most 128 bits of SHA-256(access token).
    static func accessTokenHash(_ accessToken: String) -> String {
        Base64URL.encode(Data(SHA256.hash(data: Data(accessToken.utf8))).prefix(16))
    }
}
