import JWTKit

/// The claims of a JWT access token (RFC 9068 §2.2).
struct AccessTokenClaims: JWTPayload, Equatable {
    let iss: String
    let sub: String
    /// The resource servers the token is for (RFC 9068 §3): one string when there is one.
    let aud: AudienceClaim
    let clientID: String
    let scope: String
    let jti: String
    let iat: Int64
    let exp: Int64
    let authTime: Int64?

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, clientID = "client_id", scope, jti, iat, exp, authTime = "auth_time"
    }

    /// Resource servers check expiry and audience themselves; Vellum only signs.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
