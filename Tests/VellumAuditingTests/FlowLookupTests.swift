import Foundation
import Testing
import VellumAuditing
import VellumCore

@Suite("Finding a flow from what an investigator holds")
struct FlowLookupTests {
    @Test func aFlowIDWithOrWithoutItsPrefix() throws {
        let id = "8C1A7F2E-0B6D-4E53-9A1F-2D3C4B5A6978"
        #expect(try FlowLookup.parse(flow: id, code: nil, token: nil) == .stream("flow-\(id.lowercased())"))
        #expect(try FlowLookup.parse(flow: "flow-\(id.lowercased())", code: nil, token: nil) == .stream("flow-\(id.lowercased())"))
        #expect(throws: FlowLookupError.self) { try FlowLookup.parse(flow: "not-a-uuid", code: nil, token: nil) }
    }

    @Test func aRawCodeIsLookedUpByItsHash() throws {
        #expect(try FlowLookup.parse(flow: nil, code: "the-code", token: nil) == .token(key: SecretHash(of: "the-code").hex, kind: "authorization_code"))
    }

    @Test func aJWTByItsJTIAndAnythingElseAsARefreshToken() throws {
        let claims = Base64URL.encode(Data(#"{"jti":"abc123","sub":"u-1"}"#.utf8))
        let jwt = "eyJhbGciOiJFUzI1NiJ9.\(claims).c2lnbmF0dXJl"
        #expect(try FlowLookup.parse(flow: nil, code: nil, token: jwt) == .token(key: "abc123", kind: "access_token"))
        #expect(try FlowLookup.parse(flow: nil, code: nil, token: "opaque-refresh") == .token(key: SecretHash(of: "opaque-refresh").hex, kind: "refresh_token"))
    }

    @Test func timesAreRFC3339OrDates() {
        #expect(AuditTime.parse("2026-11-21T18:00:00Z") == Timestamp(rfc3339: "2026-11-21T18:00:00Z"))
        #expect(AuditTime.parse("2026-11-21") == Timestamp(rfc3339: "2026-11-21T00:00:00Z"))
        #expect(AuditTime.parse("yesterday") == nil)
    }
}
