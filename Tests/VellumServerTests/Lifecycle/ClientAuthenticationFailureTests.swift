import Foundation
import Testing
import VellumCore
@testable import VellumServer
import VellumStore

/// Secret guessing against a client shows in its stream, boundedly (issue 12, item 5).
@Suite("Failed client authentication is recorded")
struct ClientAuthenticationFailureTests {
    private func failures(_ server: TestServer, _ clientID: String) async throws -> [ClientAuthenticationFailed] {
        try await server.store.readStream("client-\(clientID)").filter { $0.type == ClientAuthenticationFailed.type }
            .map { try EventJSON.decode(ClientAuthenticationFailed.self, from: $0.payload) }
    }

    @Test func wrongSecretsAreRecordedOncePerIntervalWithTheirCount() async throws {
        let clock = ManualClock()
        try await TestServer.with(configure: { $0.clock = clock.read }) { server in
            let client = try await server.registerClient()
            let refresh = [("grant_type", "refresh_token"), ("refresh_token", "r")]
            for _ in 0..<5 {
                let answer = try await server.token(refresh, basic: (client.clientID, "not the secret"))
                #expect(answer.status == .unauthorized && answer.error == "invalid_client")
            }
            // client_secret_post for a client_secret_basic client: the wrong method.
            _ = try await server.token(refresh + [("client_id", client.clientID), ("client_secret", client.secret!)])
            var recorded = try await failures(server, client.clientID)
            #expect(recorded.map(\.failures) == [1], "the first failure at once, the others counted")
            #expect(recorded.first?.reasons == ["wrong_secret": 1])

            // An unknown client has no stream to record on; it is counted in the metrics only.
            _ = try await server.token(refresh, basic: ("c_nobody", "x"))

            clock.advance(seconds: 61)
            _ = try await server.postForm("/introspect", [("token", "t")], basic: (client.clientID, "still not it"))
            recorded = try await failures(server, client.clientID)
            #expect(recorded.map(\.failures) == [1, 5, 1], "the previous interval's count, then the new first failure")
            #expect(recorded[1].reasons == ["wrong_secret": 4, "wrong_method": 1])
            #expect(recorded[1].since == recorded[0].since)
            let events = try await server.store.readStream("client-\(client.clientID)")
            #expect(!events.contains { $0.payload.contains("not the secret") || $0.metadata.contains("not the secret") })

            let metrics = try await server.client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
            // The registry is the process's: other tests' servers count into it too.
            let wrongSecrets = metrics.split(separator: "\n").first { $0.hasPrefix(#"vellum_client_authentication_failures_total{reason="wrong_secret"}"#) }
            #expect(Double(wrongSecrets?.split(separator: " ").last ?? "") ?? 0 >= 6)
            #expect(metrics.contains(#"vellum_client_authentication_failures_total{reason="unknown_client"}"#))
        }
    }

    @Test func theMaintenanceRoundRecordsWhatIsLeftOfAnInterval() {
        let failures = ClientAuthenticationFailures(intervalSeconds: 60)
        let start = Timestamp(microsecondsSinceEpoch: 1_800_000_000_000_000)
        let metadata = EventMetadata(instance: "tests", actor: .system)
        #expect(failures.record(clientID: "c_1", reason: "wrong_secret", at: start, metadata: metadata).count == 1)
        for second in 1...1_000 {
            #expect(failures.record(clientID: "c_1", reason: "wrong_secret", at: start.adding(seconds: Int64(second) % 60), metadata: metadata).isEmpty)
        }
        #expect(failures.due(now: start.adding(seconds: 59)).isEmpty)
        let due = failures.due(now: start.adding(seconds: 60))
        #expect(due.map(\.event.failures) == [1_000])
        #expect(failures.due(now: start.adding(seconds: 120)).isEmpty, "recorded once")
    }
}
