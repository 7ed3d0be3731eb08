import Testing
import VellumCore

@Suite("Signing key rotation rules")
struct SigningKeyRingTests {
    private func jwk(_ kid: String) -> PublicJWK { PublicJWK(x: "x-\(kid)", y: "y-\(kid)", kid: kid) }
    private let t0 = Fixtures.now

    @Test func aPublishedKeyActivatesWhenItsTimeComesAndTheOldOneRetiresAfterItsTokens() {
        var ring = SigningKeyRing(events: [
            SigningKeyCreated(kid: "old", algorithm: "ES256", publicJWK: jwk("old")),
            SigningKeyActivated(kid: "old", activatedAt: t0),
            SigningKeyCreated(kid: "new", algorithm: "ES256", publicJWK: jwk("new"), activateAt: t0.adding(seconds: 3600)),
        ])
        #expect(ring.activeKID == "old")
        #expect(ring.publishedKeys.map(\.kid) == ["old", "new"], "a new key is published before it signs")
        #expect(ring.due(at: t0.adding(seconds: 3599), tokenLifetime: 600).isEmpty)

        let activation = ring.due(at: t0.adding(seconds: 3600), tokenLifetime: 600)
        #expect(activation.count == 1)
        activation.forEach { ring.evolve($0) }
        #expect(ring.activeKID == "new")
        #expect(ring.publishedKeys.map(\.kid) == ["old", "new"], "the old key stays while its tokens live")
        #expect(ring.due(at: t0.adding(seconds: 4199), tokenLifetime: 600).isEmpty)

        let retirement = ring.due(at: t0.adding(seconds: 4200), tokenLifetime: 600)
        #expect(retirement.compactMap { ($0 as? SigningKeyRetired)?.kid } == ["old"])
        retirement.forEach { ring.evolve($0) }
        #expect(ring.publishedKeys.map(\.kid) == ["new"])
        #expect(ring.due(at: t0.adding(seconds: 9999), tokenLifetime: 600).isEmpty)
    }
}
