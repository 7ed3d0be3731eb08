import Testing
import VellumCore

/// Replay of flows as schema version 1 wrote them: the log is never migrated, so these saved
/// payloads (before `prompt`, `max_age`, `resource`, `expires_at`, a code's `subject`, a token's
/// `audience` and `command_id` existed) must keep decoding and replaying the same.
@Suite("Replaying version 1 flows")
struct FlowReplayTests {
    static let hash = String(repeating: "ab", count: 32)
    static let metadata = #"{"actor":{"client":"app"},"instance":"vm:1","remote_ip":"127.0.0.1","request_id":"r-1"}"#

    /// A complete flow with a refresh, exactly as version 1 encoded each payload.
    static let version1: [(type: String, payload: String)] = [
        ("AuthorizationRequested", #"{"client_id":"app","code_challenge":"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM","code_challenge_method":"S256","nonce":"n-1","redirect_uri":"https://app.example/cb","redirect_uri_included":true,"schema_version":1,"scope":["openid","profile"],"state":"xyz"}"#),
        ("UserAuthenticated", #"{"auth_time":"2027-01-15T08:00:00.000000Z","method":"password","schema_version":1,"session_id":"s-1","user_id":"u-1","username":"alice"}"#),
        ("ConsentGranted", #"{"client_id":"app","remembered":false,"schema_version":1,"scope":["openid","profile"],"user_id":"u-1"}"#),
        ("AuthorizationCodeIssued", #"{"client_id":"app","code_hash":"\#(hash)","expires_at":"2027-01-15T08:01:00.000000Z","schema_version":1}"#),
        ("AuthorizationCodeRedeemed", #"{"client_id":"app","code_hash":"\#(hash)","schema_version":1}"#),
        ("TokensIssued", #"{"access_token_expires_at":"2027-01-15T08:10:05.000000Z","access_token_id":"jti-1","client_id":"app","grant_type":"authorization_code","id_token_issued":true,"issued_at":"2027-01-15T08:00:05.000000Z","refresh_token":{"expires_at":"2027-01-29T08:00:05.000000Z","family_expires_at":"2027-02-14T08:00:05.000000Z","hash":"\#(String(repeating: "cd", count: 32))"},"schema_version":1,"scope":["openid","profile"],"subject":"u-1"}"#),
        ("RefreshTokenRotated", #"{"client_id":"app","previous_hash":"\#(String(repeating: "cd", count: 32))","retry":false,"rotated_at":"2027-01-15T09:00:00.000000Z","schema_version":1}"#),
        ("TokensIssued", #"{"access_token_expires_at":"2027-01-15T09:10:00.000000Z","access_token_id":"jti-2","client_id":"app","grant_type":"refresh_token","id_token_issued":true,"issued_at":"2027-01-15T09:00:00.000000Z","refresh_token":{"expires_at":"2027-01-29T09:00:00.000000Z","family_expires_at":"2027-02-14T08:00:05.000000Z","hash":"\#(String(repeating: "ef", count: 32))"},"schema_version":1,"scope":["openid","profile"],"subject":"u-1"}"#),
    ]

    static func inputs() -> [ReplayInput] {
        version1.enumerated().map { index, event in
            ReplayInput(position: Int64(index + 1), time: Timestamp(rfc3339: "2027-01-15T08:00:0\(index)Z")!.adding(seconds: index >= 6 ? 3600 : 0),
                        type: event.type, payload: event.payload, metadata: metadata)
        }
    }

    @Test func aVersion1FlowReplaysStepByStep() throws {
        let steps = try FlowReplay.steps(Self.inputs())
        #expect(steps.map(\.type) == Self.version1.map(\.type))
        #expect(steps.map(\.state.authorizationCode) == ["none", "none", "none", "issued", "redeemed", "redeemed", "redeemed", "redeemed"])
        #expect(steps.map(\.state.refreshToken) == ["none", "none", "none", "none", "none", "issued", "rotated", "issued"])
        #expect(steps.map(\.state.accessToken).last == "issued (2)")
        #expect(steps.map(\.state.userAuthenticated) == [false, true, true, true, true, true, true, true])
    }

    @Test func version1PayloadsDecodeWithTheirNewFieldsAbsent() throws {
        let request = try EventJSON.decode(AuthorizationRequested.self, from: Self.version1[0].payload)
        #expect(request.prompt == nil && request.maxAge == nil && request.resources == nil && request.expiresAt == nil)
        let code = try EventJSON.decode(AuthorizationCodeIssued.self, from: Self.version1[3].payload)
        #expect(code.subject == nil)
        let tokens = try EventJSON.decode(TokensIssued.self, from: Self.version1[5].payload)
        #expect(tokens.audience == nil)
        // A version 1 flow never expires by `expires_at` (it had none).
        var state = FlowState()
        for event in Self.version1 { if let decoded = try FlowEvent(type: event.type, payload: event.payload) { state.evolve(decoded) } }
        #expect(!state.isExpired(at: Timestamp(rfc3339: "2099-01-01T00:00:00Z")!))
        #expect(state.version == 8)
    }

    @Test func asOfAnInstantShowsTheStateThen() throws {
        let beforeRefresh = Timestamp(rfc3339: "2027-01-15T08:30:00Z")!
        #expect(try FlowReplay.state(Self.inputs(), asOf: beforeRefresh).refreshToken == "issued")
        // The first access token lived ten minutes: by 08:30 it reads as expired, by time alone.
        #expect(try FlowReplay.state(Self.inputs(), asOf: beforeRefresh).accessToken == "expired")
    }
}
