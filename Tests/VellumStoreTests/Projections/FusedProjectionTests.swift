import Foundation
import PostgresNIO
import Testing
import VellumCore
@testable import VellumStore
import VellumTestSupport

/// The token path's batches write their projection rows in their write statement
/// (``FusedProjectionRows``); every other batch in a transaction of one statement per kind.
@Suite("Projection rows in the batch's write statement")
struct FusedProjectionTests {
    private let now = Timestamp(microsecondsSinceEpoch: 1_700_000_000_000_000)

    private func tokens(_ name: String, refresh: Bool = true) -> TokensIssued {
        TokensIssued(
            accessTokenID: "jti-\(name)", accessTokenExpiresAt: now.adding(seconds: 600), clientID: "c", subject: "u",
            scope: Scope(["openid"]), grantType: "authorization_code", issuedAt: now,
            refreshToken: refresh ? IssuedRefreshToken(hash: SecretHash(of: "refresh-\(name)"), expiresAt: now.adding(seconds: 3600),
                                                       familyExpiresAt: now.adding(seconds: 3600)) : nil)
    }

    private func code(_ name: String) -> AuthorizationCodeIssued {
        AuthorizationCodeIssued(codeHash: SecretHash(of: "code-\(name)"), clientID: "c", expiresAt: now.adding(seconds: 60))
    }

    // MARK: Which batches are one statement (no database)

    @Test func theTokenPathsBatchesAreOneStatement() {
        let redemption: [(streamID: String, change: ProjectionChange)] = [
            ("flow-a", .redeemCode(codeHash: SecretHash(of: "code-a"), at: now)),
            ("flow-a", .issueAccessToken(tokens("a"), flowID: "flow-a", at: now)),
            ("flow-a", .issueRefreshToken(tokens("a"), flowID: "flow-a", at: now)),
        ]
        let refresh: [(streamID: String, change: ProjectionChange)] = [
            ("flow-b", .rotateRefreshToken(hash: SecretHash(of: "refresh-old"), at: now)),
            ("flow-b", .issueAccessToken(tokens("b"), flowID: "flow-b", at: now)),
            ("flow-b", .issueRefreshToken(tokens("b"), flowID: "flow-b", at: now)),
        ]
        let authorization: [(streamID: String, change: ProjectionChange)] = [
            ("session-s", .startSession(SessionStarted(sessionID: "s", userID: "u", secretHash: SecretHash(of: "cookie"),
                                                       expiresAt: now.adding(seconds: 60)), at: now)),
            ("flow-c", .issueCode(code("c"), flowID: "flow-c", at: now)),
        ]
        let revocation: [(streamID: String, change: ProjectionChange)] = [
            ("flow-d", .revokeAccessTokens(ids: ["jti-1", "jti-2"], at: now)),
            ("flow-d", .revokeRefreshTokens(hashes: [SecretHash(of: "r-1")], at: now)),
            ("session-t", .endSession(sessionID: "t", at: now)),
        ]
        #expect(FusedProjectionRows(redemption + refresh + authorization + revocation) != nil)
    }

    @Test func aBatchThatStampsARowItInsertsOrStampsTwiceIsATransaction() {
        // The parts of one statement do not see one another's rows: the stamp would find no row.
        #expect(FusedProjectionRows([
            ("flow-a", .issueCode(code("a"), flowID: "flow-a", at: now)),
            ("flow-a", .redeemCode(codeHash: SecretHash(of: "code-a"), at: now)),
        ]) == nil)
        #expect(FusedProjectionRows([
            ("flow-a", .issueRefreshToken(tokens("a"), flowID: "flow-a", at: now)),
            ("flow-a", .revokeRefreshTokens(hashes: [SecretHash(of: "refresh-a")], at: now)),
        ]) == nil)
        // Two parts changing one row: only one of them would be applied.
        #expect(FusedProjectionRows([
            ("flow-a", .rotateRefreshToken(hash: SecretHash(of: "refresh-x"), at: now)),
            ("flow-a", .revokeRefreshTokens(hashes: [SecretHash(of: "refresh-x")], at: now)),
        ]) == nil)
        #expect(FusedProjectionRows([
            ("flow-a", .revokeAccessTokens(ids: ["jti-1"], at: now)),
            ("flow-b", .revokeAccessTokens(ids: ["jti-1"], at: now)),
        ]) == nil)
    }

    @Test func otherChangesAreWrittenInATransaction() {
        #expect(FusedProjectionRows([
            ("flow-a", .redeemCode(codeHash: SecretHash(of: "code-a"), at: now)),
            ("user-u", .directory(.loginSucceeded(key: "account:u"))),
        ]) == nil)
        #expect(FusedProjectionRows([("client-c", .forgetConsent(userID: "u", clientID: "c"))]) == nil)
    }

    // MARK: Races, on the database

    /// The second instance moves the flow on; the first, planning on the head it cached, loses its
    /// race: its events are not written, and neither are its projection rows.
    @Test func aStreamThatLostItsRaceLeavesNoProjectionRows() async throws {
        try await TestStore.with { test in
            let metadata = testMetadata()
            try await test.store.append(to: "flow-race", expected: .noStream, events: [try ProposedEvent(code("race"), metadata: metadata)])
            try await withRunningStore(configuration: test.configuration) { second in
                _ = try await second.append(to: "flow-race", expected: .exactly(1), events: [testEvent(2)])
            }
            let redemption = [
                try ProposedEvent(AuthorizationCodeRedeemed(codeHash: SecretHash(of: "code-race"), clientID: "c"), metadata: testMetadata()),
                try ProposedEvent(tokens("race"), metadata: testMetadata()),
            ]
            await #expect(throws: AppendError.wrongExpectedVersion(streamID: "flow-race", expected: .exactly(1), actual: 2)) {
                try await test.store.append(to: "flow-race", expected: .exactly(1), events: redemption)
            }
            #expect(try await rows(test, "SELECT count(*) FROM access_tokens WHERE jti = 'jti-race'") == 0)
            #expect(try await rows(test, "SELECT count(*) FROM refresh_tokens WHERE flow_id = 'flow-race'") == 0)
            #expect(try await rows(test, "SELECT count(*) FROM authorization_codes WHERE flow_id = 'flow-race' AND redeemed_at IS NULL") == 1)

            // Decided again on the current version, it is written with its rows, once.
            let written = try await test.store.append(to: "flow-race", expected: .exactly(2), events: redemption)
            #expect(written.map(\.version) == [3, 4])
            #expect(try await rows(test, "SELECT count(*) FROM access_tokens WHERE jti = 'jti-race' AND flow_id = 'flow-race'") == 1)
            #expect(try await rows(test, "SELECT count(*) FROM refresh_tokens WHERE flow_id = 'flow-race'") == 1)
            #expect(try await rows(test, "SELECT count(*) FROM authorization_codes WHERE flow_id = 'flow-race' AND redeemed_at IS NOT NULL") == 1)
        }
    }

    /// An append that accepts any version loses its first race on a stale cached head and is
    /// planned again: written once, with its rows once, equal to what a rebuild from the log makes.
    @Test func aReplannedStreamWritesItsRowsOnce() async throws {
        try await TestStore.with { test in
            try await test.store.append(to: "flow-any", expected: .noStream, events: [try ProposedEvent(code("any"), metadata: testMetadata())])
            try await withRunningStore(configuration: test.configuration) { second in
                _ = try await second.append(to: "flow-any", expected: .any, events: [testEvent(2)])
            }
            let written = try await test.store.append(to: "flow-any", expected: .any, events: [
                try ProposedEvent(AuthorizationCodeRedeemed(codeHash: SecretHash(of: "code-any"), clientID: "c"), metadata: testMetadata()),
                try ProposedEvent(tokens("any"), metadata: testMetadata()),
            ])
            #expect(written.map(\.version) == [3, 4])
            #expect(try await rows(test, "SELECT count(*) FROM access_tokens WHERE jti = 'jti-any'") == 1)
            let report = try await ProjectionRebuilder(client: test.client, logger: TestCluster.logger)
                .rebuild(swap: false, pruneCutoff: Timestamp(Date()).adding(seconds: -86400 * 365 * 10))
            #expect(report.matches, "\(report.tables.filter { !$0.matches })")
        }
    }

    private func rows(_ test: TestStore, _ sql: String) async throws -> Int64 {
        try await test.client.query(PostgresQuery(unsafeSQL: sql)).decode(Int64.self).reduce(0, +)
    }
}
