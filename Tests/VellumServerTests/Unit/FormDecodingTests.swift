import Testing
@testable import VellumServer

@Suite("Form decoding")
struct FormDecodingTests {
    @Test(arguments: [
        ("plain", "plain"), ("a+b", "a b"), ("%41%42", "AB"), ("%e2%82%ac", "€"), ("%2B", "+"), ("%26%3D", "&="),
        ("", ""), ("%", "%"), ("%4", "%4"), ("%zz", "%zz"), ("a%4g", "a%4g"),
        // Not UTF-8 once decoded: kept as sent.
        ("%FF", "%FF"), ("a+%C3", "a+%C3"),
        // A NUL, which no PostgreSQL text holds, is never decoded; a raw one is written %00.
        ("a%00b", "a%00b"), ("a+b%00", "a+b%00"), ("a\u{0}b", "a%00b"), ("%41\u{0}", "%41%00"),
    ])
    func decodesPercentAndPlus(sent: String, decoded: String) {
        #expect(FormDecoding.decode(sent[...]) == decoded)
    }

    @Test func keepsOrderRepeatsAndEmptyValues() {
        let parameters = FormDecoding.parse("scope=openid+profile&resource=a&resource=b&state=&flag&&redirect_uri=https%3A%2F%2Fx%2Fcb")
        #expect(parameters.map(\.name) == ["scope", "resource", "resource", "state", "flag", "redirect_uri"])
        #expect(parameters.value("scope") == "openid profile")
        #expect(parameters.values("resource") == ["a", "b"])
        #expect(parameters.value("state") == nil)
        #expect(parameters.value("redirect_uri") == "https://x/cb")
        #expect(parameters.repeatedNames == ["resource"])
    }
}
