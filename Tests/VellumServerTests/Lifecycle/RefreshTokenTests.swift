import Foundation
import Testing
import VellumCore
import VellumStore
import VellumTestSupport

@Suite("Refresh tokens over HTTP")
struct RefreshTokenTests {
    @Test func refreshRotatesAndTheOldTokenDies() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient(refreshTokens: true)
            try await server.createUser()
            var browser = Browser(server)
            let (flow, first) = try await server.tokens(for: client, browser: &browser)
            let refresh0 = try #require(first.json["refresh_token"] as? String)
            let basic = (client.clientID, client.secret!)

            let second = try await server.token([("grant_type", "refresh_token"), ("refresh_token", refresh0)], basic: basic)
            #expect(second.status == .ok)
            let refresh1 = try #require(second.json["refresh_token"] as? String)
            #expect(refresh1 != refresh0)
            #expect(second.json["scope"] as? String == "openid profile")
            #expect(try await server.isActive(refresh1, client: client))
            #expect(try await server.isActive(try #require(second.accessToken), client: client))
            #expect(!(try await server.isActive(refresh0, client: client)), "a rotated refresh token is dead")

            let narrowed = try await server.token([("grant_type", "refresh_token"), ("refresh_token", refresh1), ("scope", "openid")], basic: basic)
            #expect(narrowed.json["scope"] as? String == "openid")
            let widened = try await server.token([("grant_type", "refresh_token"), ("refresh_token", try #require(narrowed.json["refresh_token"] as? String)),
                                                  ("scope", "openid email")], basic: basic)
            #expect(widened.error == "invalid_scope")
            #expect(try await server.flowEventTypes(flow).suffix(5) == [
                "RefreshTokenRotated", "TokensIssued", "RefreshTokenRotated", "TokensIssued", "RefreshTokenRejected"])
        }
    }

    @Test func reuseOfARotatedTokenRevokesTheWholeFamily() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient(refreshTokens: true)
            try await server.createUser()
            var browser = Browser(server)
            let (flow, first) = try await server.tokens(for: client, browser: &browser)
            let basic = (client.clientID, client.secret!)
            let refresh0 = try #require(first.json["refresh_token"] as? String)
            let second = try await server.token([("grant_type", "refresh_token"), ("refresh_token", refresh0)], basic: basic)
            let members = [try #require(first.accessToken), refresh0, try #require(second.accessToken),
                           try #require(second.json["refresh_token"] as? String)]

            let stolen = try await server.token([("grant_type", "refresh_token"), ("refresh_token", refresh0)], basic: basic)
            #expect(stolen.status == .badRequest)
            #expect(stolen.error == "invalid_grant")
            for member in members {
                #expect(!(try await server.isActive(member, client: client)), "every member of the family is inactive")
            }
            let events = try await server.store.readStream("flow-\(flow)")
            #expect(events.suffix(2).map(\.type) == ["RefreshTokenReuseDetected", "TokensRevoked"])
            #expect(events.last!.payload.contains(#""reason":"refresh_reuse""#))
            #expect(events[events.count - 2].payload.contains(#""family":"flow-\#(flow)""#))
        }
    }

    @Test func twentyConcurrentRefreshesOnTwoInstancesRotateOnce() async throws {
        try await TestServer.with { first in
            try await TestServer.with(database: first.database) { second in
                let client = try await first.registerClient(refreshTokens: true)
                try await first.createUser()
                var browser = Browser(first)
                let (flow, tokens) = try await first.tokens(for: client, browser: &browser)
                let refresh = try #require(tokens.json["refresh_token"] as? String)
                let basic = (client.clientID, client.secret!)
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for attempt in 0..<20 {
                        let instance = attempt.isMultiple(of: 2) ? first : second
                        group.addTask {
                            Int(try await instance.token([("grant_type", "refresh_token"), ("refresh_token", refresh)], basic: basic).status.code)
                        }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
                #expect(statuses.count { $0 == 200 } == 1)
                #expect(statuses.count { $0 == 400 } == 19)
                let types = try await first.flowEventTypes(flow)
                #expect(types.count { $0 == "RefreshTokenRotated" } == 1)
                #expect(types.count { $0 == "RefreshTokenReuseDetected" } >= 1)
            }
        }
    }

    @Test func aRetryWithinTheConfiguredGraceWindowSucceeds() async throws {
        try await TestServer.with(configure: { $0.refreshReuseGrace = 60 }) { server in
            let client = try await server.registerClient(refreshTokens: true)
            try await server.createUser()
            var browser = Browser(server)
            let (flow, first) = try await server.tokens(for: client, browser: &browser)
            let basic = (client.clientID, client.secret!)
            let refresh0 = try #require(first.json["refresh_token"] as? String)
            let lost = try await server.token([("grant_type", "refresh_token"), ("refresh_token", refresh0)], basic: basic)
            let lostRefresh = try #require(lost.json["refresh_token"] as? String)
            // The client never saw `lost` and retries with the token it has.
            let retried = try await server.token([("grant_type", "refresh_token"), ("refresh_token", refresh0)], basic: basic)
            #expect(retried.status == .ok)
            #expect(!(try await server.isActive(lostRefresh, client: client)))
            #expect(try await server.isActive(try #require(retried.json["refresh_token"] as? String), client: client))
            let rotated = try await server.store.readStream("flow-\(flow)").filter { $0.type == "RefreshTokenRotated" }
            #expect(rotated.map { $0.payload.contains(#""retry":true"#) } == [false, true])
        }
    }

    @Test func clientsWithoutTheRefreshGrantGetNoRefreshToken() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            try await server.createUser()
            var browser = Browser(server)
            let (_, answer) = try await server.tokens(for: client, browser: &browser)
            #expect(answer.json["refresh_token"] == nil)
        }
    }
}
