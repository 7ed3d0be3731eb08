import Foundation
import Testing
import VellumAuditing
import VellumCore
import VellumStore

@Suite("How a replay reads")
struct ReplayOutputTests {
    static func steps() throws -> [ReplayStep] {
        let request = AuthorizationRequested(clientID: "app", redirectURI: "https://app.example/cb", redirectURIIncluded: true,
                                             scope: Scope(["openid"]), state: "xyz", codeChallenge: nil, codeChallengeMethod: nil, nonce: nil)
        let user = UserAuthenticated(userID: "u-1", username: "alice", method: "password", sessionID: "s-1",
                                     authTime: Timestamp(rfc3339: "2027-01-15T08:00:01Z")!)
        let metadata = #"{"actor":{"client":"app"},"instance":"vm:1","remote_ip":"10.0.0.7"}"#
        return try FlowReplay.steps([
            ReplayInput(position: 1, time: Timestamp(rfc3339: "2027-01-15T08:00:00Z")!, type: AuthorizationRequested.type,
                        payload: try EventJSON.encode(request), metadata: metadata),
            ReplayInput(position: 2, time: Timestamp(rfc3339: "2027-01-15T08:00:01Z")!, type: UserAuthenticated.type,
                        payload: try EventJSON.encode(user), metadata: metadata),
        ])
    }

    @Test func theJSONFormHasDesignsKeysAndChainStrings() throws {
        let text = try ReplayOutput.json(flowID: "f-1", steps: try Self.steps(), chain: FlowInvestigation.chain(nil), asOf: nil, state: nil)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["flow"] as? String == "f-1")
        #expect(object["chain"] as? String == "valid")
        let steps = try #require(object["steps"] as? [[String: Any]])
        #expect(steps.count == 2)
        for key in ["step", "position", "time", "type", "actor", "data", "state"] { #expect(steps[0][key] != nil, "\(key)") }
        let state = try #require(steps[1]["state"] as? [String: Any])
        #expect(state["user_authenticated"] as? Bool == true && state["authorization_code"] as? String == "none")
    }

    @Test func theTableEndsWithTheChainStatus() throws {
        let fault = ChainFault(kind: .truncated, position: 42, streamID: "flow-f-1", version: 3)
        let text = ReplayOutput.table(flowID: "f-1", steps: try Self.steps(), chain: FlowInvestigation.chain(fault), asOf: nil, state: nil)
        #expect(text.hasPrefix("flow f-1"))
        #expect(text.contains("variables after each step"))
        #expect(text.hasSuffix("chain: broken at position 42 (truncated)"))
    }
}
