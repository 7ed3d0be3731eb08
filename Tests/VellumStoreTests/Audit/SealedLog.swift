import Crypto
import Foundation
import PostgresNIO
import Testing
import VellumCore
import VellumStore
import VellumTestSupport

/// An Ed25519 checkpoint signer for tests.
struct TestSigner: CheckpointSigner {
    let key = Curve25519.Signing.PrivateKey()
    var keyID: String { "test-key" }
    func sign(_ message: [UInt8]) throws -> [UInt8] { Array(try key.signature(for: message)) }
}

/// A small log, sealed with checkpoints every 4 events: streams a, b, c of 4 events each.
struct SealedLog {
    let test: TestStore
    let signer: TestSigner
    let events: [String: [RecordedEvent]]

    static func make(_ test: TestStore) async throws -> SealedLog {
        let signer = TestSigner()
        try await test.store.append(to: "audit", expected: .noStream, events: [ProposedEvent(
            type: AuditKeyCreated.type,
            payload: try EventJSON.encode(AuditKeyCreated(keyID: signer.keyID, publicKey: Base64URL.encode(signer.key.publicKey.rawRepresentation))),
            metadata: Self.commandMetadata())])
        var events: [String: [RecordedEvent]] = [:]
        for round in 0..<4 {
            for stream in ["flow-a", "flow-b", "flow-c"] {
                events[stream, default: []] += try await test.store.append(
                    to: stream, expected: round == 0 ? .noStream : .exactly(Int64(round)),
                    events: [ProposedEvent(type: "TestEventRecorded", payload: #"{"n": \#(round)}"#, metadata: Self.commandMetadata())])
            }
        }
        let log = SealedLog(test: test, signer: signer, events: events)
        try await log.seal()
        return log
    }

    /// Metadata naming a fresh command: an append whose outcome a slow machine left unknown (its
    /// transaction outlived the appender's deadline, yet committed) is recognised when retried.
    private static func commandMetadata() -> String {
        testMetadata()
    }

    /// Runs the sealer until it has sealed everything committed (or, with `expectAll` false, once).
    func seal(expectAll: Bool = true) async throws {
        let sealer = Sealer(signer: signer, checkpointInterval: .max, checkpointEvents: 4)
        let runner = CatchUpRunner(client: test.client, logger: TestCluster.logger)
        // Other tests' transactions hold the cluster-wide horizon back for a moment.
        for _ in 0..<200 {
            try await runner.catchUp(sealer)
            let unsealed = try await test.client.query(
                "SELECT count(*)::int8 FROM events e WHERE NOT EXISTS (SELECT 1 FROM seals s WHERE s.position = e.position)"
            ).decode(Int64.self).reduce(0, +)
            if unsealed == 0 || !expectAll { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("the sealer did not catch up")
    }

    func verify(unsealedBefore: Timestamp = Timestamp(Date()).adding(seconds: -3600), shipped: [Checkpoint] = []) async throws -> LogVerifier.Report {
        try await LogVerifier(client: test.client, logger: TestCluster.logger).verify(unsealedBefore: unsealedBefore, shippedCheckpoints: shipped)
    }

    /// Runs `sql` as the superuser with every trigger off, as a tamperer would.
    func tamper(_ sql: String) async throws {
        try await withConnection(test.configuration) { connection in
            // The administrator-attacker: as the owner, turn the guards off (ENABLE ALWAYS stops
            // `session_replication_role = replica` from doing it).
            try await TestCluster.disableGuards(on: connection)
            for statement in sql.split(separator: ";") where !statement.trimmingCharacters(in: .whitespaces).isEmpty {
                try await connection.query(PostgresQuery(unsafeSQL: String(statement)), logger: TestCluster.logger)
            }
        }
    }
}
