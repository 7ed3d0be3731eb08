import Testing
import VellumCore

@Suite("Base64url")
struct Base64URLTests {
    /// RFC 4648 §10's vectors, in the URL alphabet without padding, and the two bytes that differ
    /// between the alphabets.
    @Test(arguments: [
        ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy"),
    ])
    func encodesTheRFCVectors(text: String, encoded: String) {
        #expect(Base64URL.encode(Array(text.utf8)) == encoded)
        #expect(Base64URL.decode(encoded).map { Array($0) } == Array(text.utf8))
    }

    @Test func usesTheURLAlphabet() {
        #expect(Base64URL.encode([0xFB, 0xFF, 0xBF]) == "-_-_")
        #expect(Base64URL.decode("-_-_").map { Array($0) } == [0xFB, 0xFF, 0xBF])
    }
}
