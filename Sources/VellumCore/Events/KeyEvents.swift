/// The events of the `keys` stream. Private keys never enter the log.

/// A signing key was generated; its public half is published from now on.
public struct SigningKeyCreated: Event {
    public static let type = "SigningKeyCreated"
    public var kid: String
    public var algorithm: String
    /// The public key as a JWK (RFC 7517).
    public var publicJWK: PublicJWK
    /// When it may become the signing key (after caches of the JWKS have seen it); nil: at once.
    public var activateAt: Timestamp?

    enum CodingKeys: String, CodingKey {
        case kid, algorithm, publicJWK = "public_jwk", activateAt = "activate_at"
    }

    public init(kid: String, algorithm: String, publicJWK: PublicJWK, activateAt: Timestamp? = nil) {
        self.activateAt = activateAt
        self.kid = kid
        self.algorithm = algorithm
        self.publicJWK = publicJWK
    }
}

/// A signing key became the one new tokens are signed with.
public struct SigningKeyActivated: Event {
    public static let type = "SigningKeyActivated"
    public var kid: String
    public var activatedAt: Timestamp?

    enum CodingKeys: String, CodingKey {
        case kid, activatedAt = "activated_at"
    }

    public init(kid: String, activatedAt: Timestamp? = nil) {
        self.kid = kid
        self.activatedAt = activatedAt
    }
}

/// A signing key was retired: no live token can carry its signature any more, so it leaves the JWKS.
public struct SigningKeyRetired: Event {
    public static let type = "SigningKeyRetired"
    public var kid: String

    public init(kid: String) { self.kid = kid }
}

/// A public signing key as a JWK (RFC 7517, RFC 7518 §6.2), as `/jwks.json` publishes it.
public struct PublicJWK: Codable, Sendable, Equatable {
    public var kty: String
    public var crv: String
    public var x: String
    public var y: String
    public var kid: String
    public var alg: String
    public var use: String

    public init(kty: String = "EC", crv: String = "P-256", x: String, y: String, kid: String, alg: String = "ES256", use: String = "sig") {
        self.kty = kty
        self.crv = crv
        self.x = x
        self.y = y
        self.kid = kid
        self.alg = alg
        self.use = use
    }
}
