import Testing
import VellumCore

@Suite("PKCE (RFC 7636)")
struct PKCETests {
    @Test func matchesTheRFCAppendixBExample() {
        #expect(PKCE.challenge(for: Fixtures.verifier) == Fixtures.challenge)
        #expect(PKCE.verify(verifier: Fixtures.verifier, challenge: Fixtures.challenge))
    }

    @Test func refusesWrongAndMalformedVerifiers() {
        #expect(!PKCE.verify(verifier: Fixtures.verifier + "x", challenge: Fixtures.challenge))
        #expect(!PKCE.verify(verifier: "too-short", challenge: PKCE.challenge(for: "too-short")))
        #expect(!PKCE.verify(verifier: String(repeating: "a", count: 129), challenge: PKCE.challenge(for: String(repeating: "a", count: 129))))
        #expect(!PKCE.verify(verifier: String(repeating: "a", count: 42) + "!", challenge: PKCE.challenge(for: String(repeating: "a", count: 42) + "!")))
    }
}
