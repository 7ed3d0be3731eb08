import PostgresNIO
import Testing
import VellumCore
@testable import VellumStore
import VellumTestSupport

/// An append is acknowledged only once its transaction has committed (DESIGN.md §3). A batch is one
/// autocommit statement, which commits after PostgresNIO has called it done (at `CommandComplete`,
/// before the commit at `Sync`): a commit that fails must not be taken for a success. The
/// deferred constraint triggers stand in for any failure at commit (a serialization failure under
/// `SERIALIZABLE`, a deferred constraint an operator adds).
@Suite("Appends and their commit")
struct CommitFailureTests {
    @Test func anAppendIsAnsweredOnlyOnceItsCommitHasEnded() async throws {
        try await TestStore.with { test in
            try await deferredTrigger(on: test, stream: "slow-commit", body: "PERFORM pg_sleep(0.8); RETURN NULL;")
            let started = ContinuousClock.now
            _ = try await test.store.append(to: "slow-commit", expected: .noStream, events: [testEvent(1)])
            #expect(ContinuousClock.now - started >= .milliseconds(800))
        }
    }

    /// Before the fix the append returned its events, with positions, and none was in the log.
    @Test func anAppendWhoseCommitFailsIsNotAcknowledged() async throws {
        try await TestStore.with { test in
            try await deferredTrigger(on: test, stream: "failed-commit", body: "RAISE EXCEPTION 'refused at commit';")
            await #expect(throws: AppendError.self) {
                _ = try await test.store.append(to: "failed-commit", expected: .noStream, events: [testEvent(1)])
            }
            #expect(try await test.store.readStream("failed-commit").isEmpty)
            // The appender goes on writing for everyone else.
            let written = try await test.store.append(to: "after-failed-commit", expected: .noStream, events: [testEvent(1)])
            #expect(try await test.store.readStream("after-failed-commit") == written)
        }
    }

    /// A deferred constraint trigger on `events` that runs `body` at the commit of a transaction
    /// that inserted into `stream`.
    private func deferredTrigger(on test: TestStore, stream: String, body: String) async throws {
        _ = try await test.client.query(PostgresQuery(unsafeSQL: """
            CREATE FUNCTION at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \(body) END $$
            """), logger: TestCluster.logger)
        _ = try await test.client.query(PostgresQuery(unsafeSQL: """
            CREATE CONSTRAINT TRIGGER at_commit AFTER INSERT ON events DEFERRABLE INITIALLY DEFERRED
            FOR EACH ROW WHEN (NEW.stream_id = '\(stream)') EXECUTE FUNCTION at_commit()
            """), logger: TestCluster.logger)
    }
}
