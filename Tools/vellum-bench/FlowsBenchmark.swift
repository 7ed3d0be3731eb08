import ArgumentParser
import Crypto
import Foundation
import Logging
import PostgresNIO
import VellumCore
import VellumStore

/// `vellum-bench flows`: fills a log with complete synthetic flows (8 events each: request, login,
/// consent, code, redemption, tokens, refresh rotation, tokens), with the inline projections on,
/// then seals it and builds the audit index. The log `vellum-bench audit` measures.
struct FlowsBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "flows", abstract: "Generate a log of complete flows (8 events each).")

    @Option(help: "Flows to append.")
    var count = 125_000

    @Option(help: "Concurrent appending tasks.")
    var concurrency = 32

    @Option(name: .customLong("baseline-flows"), help: "Flows the baseline writes first (plain transactions, no appender; 0: none).")
    var baselineFlows = 5_000

    @Option(name: .customLong("tasks-on"), help: "Where the tasks run: event-loops (as the server's request handlers) or pool (Swift's cooperative pool).")
    var placement: TaskPlacement = .eventLoops

    @Option(name: .customLong("database-url"), help: "PostgreSQL URL (env VELLUM_DATABASE_URL).")
    var databaseURL: String?

    @Option(name: .customLong("data-dir"), help: "Embedded cluster directory (default .vellum-bench).")
    var dataDirectory: String?

    func run() async throws {
        let logger = { var logger = Logger(label: "vellum-bench"); logger.logLevel = .warning; return logger }()
        let location = DatabaseLocation.resolve(url: databaseURL, dataDirectory: dataDirectory, defaultDataDirectory: ".vellum-bench")
        let (count, concurrency, baselineFlows, placement) = (count, concurrency, baselineFlows, placement)
        try await Database.using(location, logger: logger) { database in
            try await database.withStore(logger: logger) { store in
                let signer = BenchSigner()
                if try await store.version(of: "audit") == 0 {
                    try await store.append(to: "audit", expected: .noStream, events: [ProposedEvent(
                        type: AuditKeyCreated.type,
                        payload: try EventJSON.encode(AuditKeyCreated(keyID: signer.keyID, publicKey: Base64URL.encode(signer.key.publicKey.rawRepresentation))),
                        metadata: "{}")])
                }
                let baseline = baselineFlows > 0
                    ? try await FlowsBaseline(tasks: concurrency, placement: placement).measure(flows: baselineFlows, client: store.client, logger: logger) : nil
                if let baseline {
                    print("baseline: \(baselineFlows) flows, 3 per plain transaction (events, heads, projection rows; no appender): \(Int(baseline)) events/s")
                }
                let start = ContinuousClock.now
                try await SyntheticFlow.append(count, concurrency: concurrency, placement: placement, to: store)
                let appended = ContinuousClock.now - start
                let rate = Double(count * 8) / appended.seconds
                print("appended \(count) flows (\(count * 8) events) in \(appended.seconds) s: \(Int(rate)) events/s")
                if let baseline { print("appender/baseline: \(String(format: "%.1f", 100 * rate / baseline)) %") }

                let runner = CatchUpRunner(client: store.client, logger: logger)
                let sealStart = ContinuousClock.now
                let sealed = try await runner.catchUp(Sealer(signer: signer, checkpointInterval: .max, checkpointEvents: 100_000), batch: 20_000)
                let sealing = ContinuousClock.now - sealStart
                print("sealed \(sealed) events in \(sealing.seconds) s: \(Int(Double(sealed) / sealing.seconds)) events/s")
                let indexStart = ContinuousClock.now
                let indexed = try await runner.catchUp(AuditIndex(), batch: 20_000)
                let indexing = ContinuousClock.now - indexStart
                print("indexed \(indexed) events in \(indexing.seconds) s: \(Int(Double(indexed) / indexing.seconds)) events/s")
            }
        }
    }
}

/// A checkpoint signer with a key made for the benchmark.
struct BenchSigner: CheckpointSigner {
    let key = Curve25519.Signing.PrivateKey()
    var keyID: String { "bench" }
    func sign(_ message: [UInt8]) throws -> [UInt8] { Array(try key.signature(for: message)) }
}

/// The events of one complete flow, shaped like the server's.
enum SyntheticFlow {
    /// Appends `count` complete flows (8 events each) from `concurrency` tasks.
    static func append(_ count: Int, concurrency: Int, placement: TaskPlacement = .eventLoops, to store: EventStore) async throws {
        let progress = TerminalProgress("flows", total: Int64(count), unit: "flows")
        defer { progress.finish() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<concurrency {
                group.addTask(executorPreference: placement.nextExecutor()) {
                    for index in stride(from: task, to: count, by: concurrency) {
                        try await store.append(to: "flow-\(UUID().uuidString.lowercased())", expected: .noStream, events: try events(index))
                        progress.advance()
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    static func events(_ index: Int) throws -> [ProposedEvent] {
        let now = Timestamp(Date())
        let client = "c_bench\(index % 50)"
        let user = "user-\(index % 5_000)"
        let metadata = try EventJSON.encodeValue(EventMetadata(
            requestID: UUID().uuidString.lowercased(), remoteIP: "10.0.\(index % 250).\(index % 200)", userAgent: "bench/1.0",
            instance: "bench", actor: .client(client)))
        let code = SecretHash(of: "code-\(index)-\(UUID())")
        let refresh0 = SecretHash(of: "refresh-\(index)-\(UUID())")
        let refresh1 = SecretHash(of: "refresh1-\(index)-\(UUID())")
        let scope = Scope(["openid", "profile"])
        let family = now.adding(seconds: 30 * 86400)
        let flow: [any Event] = [
            AuthorizationRequested(clientID: client, redirectURI: "https://app.example/cb", redirectURIIncluded: true, scope: scope,
                                   state: "s\(index)", codeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                                   codeChallengeMethod: "S256", nonce: nil),
            UserAuthenticated(userID: user, username: user, method: "password", sessionID: UUID().uuidString.lowercased(), authTime: now),
            ConsentGranted(userID: user, clientID: client, scope: scope, remembered: false),
            AuthorizationCodeIssued(codeHash: code, clientID: client, expiresAt: now.adding(seconds: 60)),
            AuthorizationCodeRedeemed(codeHash: code, clientID: client),
            TokensIssued(accessTokenID: "jti-\(index)-\(UUID().uuidString.prefix(8))", accessTokenExpiresAt: now.adding(seconds: 600),
                         clientID: client, subject: user, scope: scope, grantType: "authorization_code", issuedAt: now,
                         refreshToken: IssuedRefreshToken(hash: refresh0, expiresAt: now.adding(seconds: 14 * 86400), familyExpiresAt: family),
                         idTokenIssued: true),
            RefreshTokenRotated(previousHash: refresh0, clientID: client, retry: false, rotatedAt: now),
            TokensIssued(accessTokenID: "jti-\(index)-r-\(UUID().uuidString.prefix(8))", accessTokenExpiresAt: now.adding(seconds: 600),
                         clientID: client, subject: user, scope: scope, grantType: "refresh_token", issuedAt: now,
                         refreshToken: IssuedRefreshToken(hash: refresh1, expiresAt: now.adding(seconds: 14 * 86400), familyExpiresAt: family)),
        ]
        return try flow.map { ProposedEvent(type: type(of: $0).type, payload: try EventJSON.encode($0), metadata: metadata) }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
