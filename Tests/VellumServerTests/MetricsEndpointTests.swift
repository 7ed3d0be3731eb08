import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import VellumServer
import VellumTestSupport

@Suite("Metrics")
struct MetricsEndpointTests {
    /// After a flow and a failed login, `/metrics` (Prometheus text format) counts the requests by
    /// route and status, the tokens by grant, the login failure by reason, and the appender's batches.
    @Test func aFlowShowsInTheMetrics() async throws {
        try await TestServer.with { server in
            let client = try await Self.aFlowAndAFailedLogin(on: server)

            // The connections are counted apart from the requests (every 5 s, given 0.6 s each; a
            // loaded test run was seen to miss the first count): wait for them.
            var (status, type, text): (HTTPResponse.Status, String?, String) = (.ok, nil, "")
            for _ in 0..<100 {
                (status, type, text) = try await server.client.execute(uri: "/metrics", method: .get) { response in
                    (response.status, response.headers[.contentType], String(buffer: response.body))
                }
                if text.contains("vellum_database_connections{") { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(status == .ok)
            #expect(type?.hasPrefix("text/plain; version=0.0.4") == true)
            let lines = text.split(separator: "\n").map(String.init)
            #expect(lines.contains { $0.hasPrefix("hb_requests") && $0.contains(#"http_route="/token""#) && $0.contains(#"http_response_status_code="200""#) },
                    "requests by route and status")
            #expect(lines.contains { $0.hasPrefix("http_server_request_duration") }, "request latency")
            #expect(lines.contains { $0.hasPrefix(#"vellum_tokens_issued_total{grant="authorization_code"}"#) })
            #expect(lines.contains { $0.hasPrefix("vellum_login_failures_total") && $0.contains("wrong_password") })
            #expect(lines.contains { $0.hasPrefix("vellum_appender_batch_events") })
            func value(_ prefix: String) -> Double {
                let line = lines.first { $0.hasPrefix(prefix) } ?? ""
                return Double(line.split(separator: " ").last ?? "") ?? 0
            }
            let connections = value(#"vellum_database_connections{state="idle"}"#) + value(#"vellum_database_connections{state="active"}"#)
            #expect(connections >= 1, "the pool's connections, as the database counts them")
            #expect(!text.contains(client.secret!), "no secret in the metrics")
        }
    }

    /// The catch-up projections report how far behind the log they are, once they have run.
    @Test func catchUpLagIsReported() async throws {
        try await TestServer.with(configure: { $0.sealInterval = 1 }) { server in
            var text = ""
            for _ in 0..<50 where !text.contains(#"vellum_catchup_lag_events{projection="sealer"}"#) {
                try await Task.sleep(for: .milliseconds(100))
                text = try await server.client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
            }
            #expect(text.contains(#"vellum_catchup_lag_events{projection="sealer"}"#))
            #expect(text.contains(#"vellum_catchup_lag_seconds{projection="audit_index"}"#))
        }
    }

    /// docs/monitoring's alert rules and dashboard name only series a running server exports.
    @Test func theAlertsAndTheDashboardNameExportedSeries() async throws {
        let docs = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appending(path: "docs/monitoring")
        let dashboard = try Data(contentsOf: docs.appending(path: "grafana-dashboard.json"))
        #expect((try JSONSerialization.jsonObject(with: dashboard) as? [String: Any])?["panels"] != nil)
        let texts = [String(decoding: dashboard, as: UTF8.self), try String(contentsOf: docs.appending(path: "alerts.yaml"), encoding: .utf8)]
        let named = Set(texts.flatMap { text in
            text.matches(of: /\b(vellum_[a-z_]+|hb_[a-z_]+|http_server_[a-z_]+)/).map { String($0.output.1) }
        }.map { $0.hasSuffix("_bucket") ? String($0.dropLast("_bucket".count)) : $0 })
        #expect(named.count >= 8)
        try await TestServer.with { server in
            _ = try await Self.aFlowAndAFailedLogin(on: server)
            var exported = ""
            for _ in 0..<100 {
                exported = try await server.client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
                if exported.contains("vellum_catchup_lag_seconds") && exported.contains("vellum_database_up")
                    && exported.contains("vellum_database_connections{") { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let series = Set(exported.split(separator: "\n").compactMap { line -> String? in
                guard !line.hasPrefix("#"), let end = line.firstIndex(where: { $0 == "{" || $0 == " " }) else { return nil }
                let name = String(line[..<end])
                return name.hasSuffix("_bucket") ? String(name.dropLast("_bucket".count)) : name
            })
            for name in named.sorted() {
                #expect(series.contains(name), "\(name) is named in docs/monitoring but not exported")
            }
        }
    }

    /// A complete flow, a login with the wrong password and a token request with a wrong client
    /// secret; returns the client.
    private static func aFlowAndAFailedLogin(on server: TestServer) async throws -> Administration.NewClient {
        let client = try await server.registerClient()
        try await server.createUser()
        var browser = Browser(server)
        _ = try await server.tokens(for: client, browser: &browser)
        var stranger = Browser(server)
        _ = try await stranger.logIn(flow: try await stranger.startFlow(clientID: client.clientID), password: "not the password")
        _ = try await server.token([("grant_type", "refresh_token"), ("refresh_token", "r")], basic: (client.clientID, "not the secret"))
        return client
    }
}
