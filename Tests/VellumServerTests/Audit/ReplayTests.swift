import Foundation
import NIOCore
import Testing
import VellumCore
import VellumServer
import VellumStore
import VellumTestSupport

@Suite("Forensic replay")
struct ReplayTests {
    private func replay(_ server: TestServer, stream: String, asOf: Timestamp? = nil) async throws -> [ReplayStep] {
        let events = try await AuditQueries(client: server.store.client, logger: TestCluster.logger).flowEvents(stream)
        return try FlowReplay.steps(events, asOf: asOf)
    }

    private func flowStream(_ server: TestServer, key: String, kind: String) async throws -> String? {
        try await AuditQueries(client: server.store.client, logger: TestCluster.logger).flowStream(tokenKey: key, kind: kind)
    }

    @Test func aCompleteFlowFromItsIdItsCodeAndItsToken() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient(refreshTokens: true)
            try await server.createUser()
            var browser = Browser(server)
            let (flow, code) = try await browser.authorize(clientID: client.clientID)
            let tokens = try await server.token(TestServer.codeForm(code), basic: (client.clientID, client.secret!))
            let claims = try await AuthorizationCodeFlowTests.verifyAccessToken(try #require(tokens.accessToken), server: server)
            let refresh = try #require(tokens.json["refresh_token"] as? String)

            // Found from a raw code, a raw access token's jti, a raw refresh token: before the
            // audit index catches up (from the log's tail), and after.
            for _ in 0..<2 {
                #expect(try await flowStream(server, key: SecretHash(of: code).hex, kind: "authorization_code") == "flow-\(flow)")
                #expect(try await flowStream(server, key: claims.jti, kind: "access_token") == "flow-\(flow)")
                #expect(try await flowStream(server, key: SecretHash(of: refresh).hex, kind: "refresh_token") == "flow-\(flow)")
                try await CatchUpRunner(client: server.store.client, logger: TestCluster.logger).catchUp(AuditIndex())
            }

            let steps = try await replay(server, stream: "flow-\(flow)")
            #expect(steps.map(\.type) == ["AuthorizationRequested", "UserAuthenticated", "ConsentGranted", "AuthorizationCodeIssued",
                                          "AuthorizationCodeRedeemed", "TokensIssued"])
            #expect(steps.map(\.state.authorizationCode) == ["none", "none", "none", "issued", "redeemed", "redeemed"])
            #expect(steps.map(\.state.accessToken) == ["none", "none", "none", "none", "none", "issued"])
            #expect(steps.map(\.state.refreshToken) == ["none", "none", "none", "none", "none", "issued"])
            #expect(steps.map(\.state.userAuthenticated) == [false, true, true, true, true, true])
            #expect(steps[0].actor == "client:\(client.clientID) @ 127.0.0.1")
            #expect(try await AuditQueries(client: server.store.client, logger: TestCluster.logger).streamFault("flow-\(flow)") == nil)
        }
    }

    @Test func asOfBetweenTwoStepsShowsTheEarlierState() async throws {
        let clock = ManualClock()
        try await TestServer.with(configure: { $0.clock = clock.read }) { server in
            let client = try await server.registerClient()
            try await server.createUser()
            var browser = Browser(server)
            let (flow, code) = try await browser.authorize(clientID: client.clientID)
            clock.advance(seconds: 1)
            _ = try await server.token(TestServer.codeForm(code), basic: (client.clientID, client.secret!))
            let all = try await replay(server, stream: "flow-\(flow)")
            let issued = all[3].time
            let redeemed = all[4].time
            let between = Timestamp(microsecondsSinceEpoch: (issued.microsecondsSinceEpoch + redeemed.microsecondsSinceEpoch) / 2)
            let earlier = try await replay(server, stream: "flow-\(flow)", asOf: between)
            #expect(earlier.count == 4)
            #expect(earlier.last?.state.authorizationCode == "issued")
            let events = try await AuditQueries(client: server.store.client, logger: TestCluster.logger).flowEvents("flow-\(flow)")
            #expect(try FlowReplay.state(events, asOf: between).authorizationCode == "issued")
            // Sixty seconds later (the code's lifetime) an unredeemed code would read as expired.
            #expect(try FlowReplay.state(Array(events.prefix(4)), asOf: issued.adding(seconds: 61)).authorizationCode == "expired")
        }
    }

    @Test func aDeniedFlowAndAFailedLoginReadClearly() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            try await server.createUser()
            var browser = Browser(server)
            let flow = try await browser.startFlow(clientID: client.clientID)
            _ = try await browser.logIn(flow: flow, password: "wrong password!")
            _ = try await browser.logIn(flow: flow)
            _ = try await browser.consent(flow: flow, decision: "deny")
            let steps = try await replay(server, stream: "flow-\(flow)")
            #expect(steps.map(\.result) == ["ok", "failed: wrong_password", "ok", "denied"])
            #expect(steps.map(\.state.userAuthenticated) == [false, false, true, true])
            #expect(steps.last?.state.authorizationCode == "none")
        }
    }

    @Test func aCodeReplayAttackReadsAsRejectionAndRevocation() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            try await server.createUser()
            var browser = Browser(server)
            let (flow, code) = try await browser.authorize(clientID: client.clientID)
            _ = try await server.token(TestServer.codeForm(code), basic: (client.clientID, client.secret!))
            _ = try await server.token(TestServer.codeForm(code), basic: (client.clientID, client.secret!))
            let steps = try await replay(server, stream: try #require(try await flowStream(server, key: SecretHash(of: code).hex, kind: "authorization_code")))
            #expect(steps.suffix(2).map(\.result) == ["rejected: already_redeemed", "revoked: code_reuse"])
            #expect(steps.last?.state.accessToken == "revoked")
            #expect(steps.last?.state.authorizationCode == "redeemed")
            _ = flow
        }
    }

    @Test func aRefreshReuseAttackReadsAsReuseAndFamilyRevocation() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient(refreshTokens: true)
            try await server.createUser()
            var browser = Browser(server)
            let (_, tokens) = try await server.tokens(for: client, browser: &browser)
            let refresh = try #require(tokens.json["refresh_token"] as? String)
            let basic = (client.clientID, client.secret!)
            _ = try await server.token([("grant_type", "refresh_token"), ("refresh_token", refresh)], basic: basic)
            _ = try await server.token([("grant_type", "refresh_token"), ("refresh_token", refresh)], basic: basic)
            let stream = try #require(try await flowStream(server, key: SecretHash(of: refresh).hex, kind: "refresh_token"))
            let steps = try await replay(server, stream: stream)
            #expect(steps.suffix(4).map(\.type) == ["RefreshTokenRotated", "TokensIssued", "RefreshTokenReuseDetected", "TokensRevoked"])
            #expect(steps.suffix(4).map(\.state.refreshToken) == ["rotated", "issued", "issued", "revoked"])
            #expect(steps.last?.state.accessToken == "revoked (2)")
            #expect(steps[steps.count - 2].result == "reuse detected: family revoked")
        }
    }

    @Test func flowsOfAUserAndOfAClientNewestFirst() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            let other = try await server.registerClient()
            try await server.createUser()
            var browser = Browser(server)
            let (first, _) = try await browser.authorize(clientID: client.clientID)
            try await CatchUpRunner(client: server.store.client, logger: TestCluster.logger).catchUp(AuditIndex())
            // A transaction elsewhere holds back the index's horizon (as a long rebuild or another
            // database in the cluster would): the second flow stays in the unindexed tail.
            try await withConnection(server.database) { blocker in
                try await blocker.query("BEGIN", logger: TestCluster.logger)
                try await blocker.query("SELECT pg_current_xact_id()", logger: TestCluster.logger)
                var second = Browser(server)
                let (last, _) = try await second.authorize(clientID: other.clientID)
                try await CatchUpRunner(client: server.store.client, logger: TestCluster.logger).catchUp(AuditIndex())
                let queries = AuditQueries(client: server.store.client, logger: TestCluster.logger)
                let window = (since: Timestamp(Date()).adding(seconds: -3600), until: Timestamp(Date()).adding(seconds: 60))
                let flows = try await queries.flows(user: "alice", since: window.since, until: window.until)
                #expect(flows.map(\.flowID) == [last, first])
                #expect(flows.allSatisfy { $0.outcome == "code_issued" && $0.remoteIP == "127.0.0.1" })
                #expect(try await queries.flows(clientID: other.clientID, since: window.since, until: window.until).map(\.flowID) == [last])
                try await blocker.query("ROLLBACK", logger: TestCluster.logger)
            }
        }
    }
}

@Suite("Replay checks what follows a flow's last event")
struct TruncatedReplayTests {
    @Test func aFlowWhoseNewestEventsWereDeletedIsReportedTruncated() async throws {
        // No sealing during the test: only the head can tell.
        try await TestServer.with(configure: { $0.sealInterval = 3600 }) { server in
            let client = try await server.registerClient()
            try await server.createUser()
            var browser = Browser(server)
            let (flow, code) = try await browser.authorize(clientID: client.clientID)
            _ = try await server.token(TestServer.codeForm(code), basic: (client.clientID, client.secret!))
            let events = try await server.store.readStream("flow-\(flow)")
            let queries = AuditQueries(client: server.store.client, logger: TestCluster.logger)
            #expect(try await queries.streamFault("flow-\(flow)") == nil)

            // Unsealed: the head still names version 6.
            try await withConnection(server.database) { connection in
                try await TestCluster.disableGuards(on: connection)
                try await connection.query("DELETE FROM events WHERE stream_id = \("flow-\(flow)") AND stream_version >= 5",
                                           logger: TestCluster.logger)
            }
            let fault = try #require(try await queries.streamFault("flow-\(flow)"))
            #expect(fault.kind == .truncated && fault.position == events[3].position)
        }
    }

    @Test func aTruncatedSealedFlowIsCaughtByItsSealsEvenWithItsHeadRewound() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            try await server.createUser()
            var browser = Browser(server)
            let (flow, code) = try await browser.authorize(clientID: client.clientID)
            _ = try await server.token(TestServer.codeForm(code), basic: (client.clientID, client.secret!))
            let events = try await server.store.readStream("flow-\(flow)")
            for _ in 0..<100 {
                let sealed = try await server.store.client.query(
                    "SELECT count(*)::int8 FROM seals WHERE stream_id = \("flow-\(flow)")", logger: TestCluster.logger)
                if try await sealed.decode(Int64.self).reduce(0, +) == 6 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            // The attacker deletes the tail and rewinds the head to the last remaining event.
            try await withConnection(server.database) { connection in
                try await TestCluster.disableGuards(on: connection)
                try await connection.query("DELETE FROM events WHERE stream_id = \("flow-\(flow)") AND stream_version >= 5",
                                           logger: TestCluster.logger)
                try await connection.query(
                    "UPDATE streams SET version = 4, head_hash = \(ByteBuffer(bytes: events[3].hash)) WHERE stream_id = \("flow-\(flow)")",
                    logger: TestCluster.logger)
            }
            let fault = try #require(try await AuditQueries(client: server.store.client, logger: TestCluster.logger)
                .streamFault("flow-\(flow)"))
            #expect(fault.kind == .truncated && fault.position == events[4].position, "the seal of the first deleted event names it")
        }
    }
}
