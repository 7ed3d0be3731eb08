/// The signing keys as the `keys` stream describes them, and the rules of their rotation: a new key
/// is published first, becomes active once caches of the JWKS have had time to see it, and the key
/// it replaces stays published until every token it signed has expired.
public struct SigningKeyRing: Sendable, Equatable {
    /// One key's life.
    public struct Key: Sendable, Equatable {
        public let kid: String
        public let jwk: PublicJWK
        public let activateAt: Timestamp?
        public var activatedAt: Timestamp?
        public var retired = false
        /// When another key replaced it as the signing key.
        public var supersededAt: Timestamp?
    }

    public private(set) var keys: [Key] = []
    /// The key new tokens are signed with.
    public private(set) var activeKID: String?

    public init() {}

    /// The ring after `events` of the `keys` stream.
    public init(events: [any Event]) {
        for event in events { evolve(event) }
    }

    public mutating func evolve(_ event: any Event) {
        switch event {
        case let created as SigningKeyCreated:
            keys.append(Key(kid: created.kid, jwk: created.publicJWK, activateAt: created.activateAt))
        case let activated as SigningKeyActivated:
            let at = activated.activatedAt
            for index in keys.indices where keys[index].kid == activeKID && keys[index].kid != activated.kid {
                keys[index].supersededAt = at
            }
            if let index = keys.firstIndex(where: { $0.kid == activated.kid }) { keys[index].activatedAt = at }
            activeKID = activated.kid
        case let retired as SigningKeyRetired:
            if let index = keys.firstIndex(where: { $0.kid == retired.kid }) { keys[index].retired = true }
        default:
            break
        }
    }

    /// The keys a verifier must know: every key not retired.
    public var publishedKeys: [Key] { keys.filter { !$0.retired } }

    /// What is due at `now`: activating the newest pending key whose time has come, and retiring
    /// keys superseded at least `tokenLifetime` seconds ago (no token they signed can still be live).
    public func due(at now: Timestamp, tokenLifetime: Int64) -> [any Event] {
        var events: [any Event] = []
        if let pending = keys.last(where: { $0.activatedAt == nil && !$0.retired && ($0.activateAt ?? now) <= now }),
           pending.kid != activeKID {
            events.append(SigningKeyActivated(kid: pending.kid, activatedAt: now))
        }
        for key in keys where !key.retired && key.kid != activeKID {
            if let superseded = key.supersededAt, superseded.adding(seconds: tokenLifetime) <= now {
                events.append(SigningKeyRetired(kid: key.kid))
            }
        }
        return events
    }

    /// Decodes a stored event of the `keys` stream; nil for another type.
    public static func decode(type: String, payload: String) throws -> (any Event)? {
        switch type {
        case SigningKeyCreated.type: try EventJSON.decode(SigningKeyCreated.self, from: payload)
        case SigningKeyActivated.type: try EventJSON.decode(SigningKeyActivated.self, from: payload)
        case SigningKeyRetired.type: try EventJSON.decode(SigningKeyRetired.self, from: payload)
        default: nil
        }
    }
}
