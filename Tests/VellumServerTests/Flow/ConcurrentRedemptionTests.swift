import Foundation
import Testing
import VellumCore
import VellumStore
import VellumTestSupport

@Suite("Redemption across instances")
struct ConcurrentRedemptionTests {
    /// Two server instances on one database; 20 token requests for one code, split between them.
    @Test func twentyConcurrentRedemptionsOnTwoInstancesExactlyOneSucceeds() async throws {
        try await TestServer.with { first in
            try await TestServer.with(database: first.database) { second in
                let client = try await first.registerClient()
                try await first.createUser()
                var browser = Browser(first)
                let (flow, code) = try await browser.authorize(clientID: client.clientID)
                let basic = (client.clientID, client.secret!)

                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for attempt in 0..<20 {
                        let instance = attempt.isMultiple(of: 2) ? first : second
                        group.addTask { Int(try await instance.token(TestServer.codeForm(code), basic: basic).status.code) }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
                #expect(statuses.count { $0 == 200 } == 1)
                #expect(statuses.count { $0 == 400 } == 19)

                let types = try await first.flowEventTypes(flow)
                #expect(types.count { $0 == "AuthorizationCodeRedeemed" } == 1)
                #expect(types.count { $0 == "TokensIssued" } == 1)
                #expect(types.count { $0 == "CodeRedemptionRejected" } == 19)
                #expect(types.count { $0 == "TokensRevoked" } == 1)
                let report = try await ChainVerifier(client: first.store.client, logger: TestCluster.logger).verify()
                #expect(report.isValid)
            }
        }
    }
}
