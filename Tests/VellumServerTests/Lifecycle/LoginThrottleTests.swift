import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import VellumCore
@testable import VellumServer
import VellumStore
import VellumTestSupport

@Suite("Login throttling per account and address, bounded bcrypt work")
struct LoginThrottlingTests {
    /// A new flow and one login attempt in a fresh browser; returns the answer.
    private static func attempt(_ server: TestServer, client: Administration.NewClient, username: String,
                                password: String = "not the password") async throws -> (flow: String, answer: TestResponse) {
        var browser = Browser(server)
        let flow = try await browser.startFlow(clientID: client.clientID)
        return (flow, try await browser.logIn(flow: flow, username: username, password: password))
    }

    @Test func failuresOfAnAccountMakeTheNextAttemptWaitWhetherOrNotItExists() async throws {
        let clock = ManualClock()
        try await TestServer.with(configure: { $0.clock = clock.read; $0.loginFailuresBeforeDelay = 3 }) { server in
            let client = try await server.registerClient()
            try await server.createUser()
            for username in ["alice", "mallory"] {
                for _ in 0..<3 { #expect(try await Self.attempt(server, client: client, username: username).answer.status == .unauthorized) }
                // The right password (for alice) is not even checked while the account must wait.
                let (flow, refused) = try await Self.attempt(server, client: client, username: username, password: TestServer.password)
                #expect(refused.status == .tooManyRequests)
                #expect(refused.headers[.retryAfter] == "1")
                let html = String(buffer: refused.body)
                #expect(html.contains("Too many sign-in attempts. Wait 1 second and try again."), "the same words for every account")
                let last = try #require(try await server.store.readStream("flow-\(flow)").last)
                #expect(last.type == "AuthenticationFailed" && last.payload.contains(#""reason":"throttled""#)
                        && last.payload.contains(#""retry_after":1"#))
            }
            clock.advance(seconds: 1)
            #expect(try await Self.attempt(server, client: client, username: "alice", password: TestServer.password).answer.status == .seeOther)
            // A password login ends alice's run; mallory's goes on, doubling.
            #expect(try await Self.attempt(server, client: client, username: "alice").answer.status == .unauthorized)
            #expect(try await Self.attempt(server, client: client, username: "mallory").answer.status == .unauthorized)
            #expect(try await Self.attempt(server, client: client, username: "mallory").answer.headers[.retryAfter] == "2")
        }
    }

    @Test func failuresFromOneAddressThrottleEveryAccountTriedFromIt() async throws {
        let clock = ManualClock()
        try await TestServer.with(configure: { $0.clock = clock.read; $0.loginFailuresBeforeDelay = 1 }) { server in
            let client = try await server.registerClient()
            try await server.createUser()
            // Four times the account allowance from 127.0.0.1, each on a different account.
            for index in 0..<4 {
                #expect(try await Self.attempt(server, client: client, username: "user\(index)").answer.status == .unauthorized)
            }
            #expect(try await Self.attempt(server, client: client, username: "alice", password: TestServer.password).answer.status
                    == .tooManyRequests)
            clock.advance(seconds: 1)
            #expect(try await Self.attempt(server, client: client, username: "alice", password: TestServer.password).answer.status
                    == .seeOther)
        }
    }

    @Test func bcryptWorkIsBoundedAndRefusedBeyondTheQueue() async throws {
        let limiter = WorkLimiter(permits: 1, maximumWaiting: 1)
        let started = AsyncStream<Void>.makeStream()
        let release = AsyncStream<Void>.makeStream()
        let running = Task {
            try await limiter.run {
                started.continuation.yield()
                for await _ in release.stream { break }
            }
        }
        for await _ in started.stream { break }
        let waiting = Task { try await limiter.run { 1 } }
        // Let the second caller queue (waiting on the limiter itself, not on a guess of time).
        while await limiter.queued < 1 { await Task.yield() }
        await #expect(throws: WorkLimiter.Overloaded.self) { try await limiter.run { 2 } }
        release.continuation.yield()
        try await running.value
        #expect(try await waiting.value == 1)
    }
}
