import Testing
import VellumCore

@Suite("Stream ids")
struct StreamIDTests {
    @Test func buildsAndTakesApartEachKind() {
        for kind in StreamID.Kind.allCases {
            let stream = StreamID(kind, "3f0c-9a")
            #expect(stream.description == "\(kind.rawValue)-3f0c-9a")
            #expect(StreamID(stream.description) == stream, "the id may itself hold dashes")
        }
        #expect(StreamID.flowID(of: "flow-abc-def") == "abc-def")
    }

    @Test func otherStreamsAreNotEntities() {
        #expect(StreamID("keys") == nil)
        #expect(StreamID("audit") == nil)
        #expect(StreamID("3f0c9a7e-1b2c-4d5e-8f90-123456789abc") == nil, "a bare UUID is not a stream id")
        #expect(StreamID.flowID(of: "client-c1") == nil)
    }
}
