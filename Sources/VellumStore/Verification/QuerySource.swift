public import Logging
public import PostgresNIO

/// Where a reader's queries run: the pool (each query on any connection), or one connection and
/// the transaction it holds, so that every query sees one snapshot.
enum QuerySource: Sendable {
    case pool(PostgresClient)
    case connection(PostgresConnection)

    func query(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        switch self {
        case .pool(let client): try await client.query(query, logger: logger)
        case .connection(let connection): try await connection.query(query, logger: logger)
        }
    }
}

extension PostgresClient {
    /// Runs `body` with two connections whose REPEATABLE READ, read-only transactions share one
    /// snapshot (`pg_export_snapshot`), so two readers can work side by side on the same state of
    /// the database: what a live log looks like at one instant.
    func withSharedSnapshot<Result: Sendable>(
        logger: Logger, _ body: @Sendable (PostgresConnection, PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withConnection { first in
            try await first.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            do {
                var snapshot = ""
                for try await id in try await first.query("SELECT pg_export_snapshot()", logger: logger).decode(String.self) {
                    snapshot = id
                }
                // A snapshot id is hexadecimal digits and dashes; SET TRANSACTION SNAPSHOT takes a literal.
                guard !snapshot.isEmpty, snapshot.allSatisfy({ $0.isHexDigit || $0 == "-" }) else {
                    throw PostgresSnapshotError()
                }
                let result = try await withConnection { second in
                    try await second.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
                    do {
                        try await second.query(PostgresQuery(unsafeSQL: "SET TRANSACTION SNAPSHOT '\(snapshot)'"), logger: logger)
                        let result = try await body(first, second)
                        try await second.query("COMMIT", logger: logger)
                        return result
                    } catch {
                        _ = try? await second.query("ROLLBACK", logger: logger)
                        throw error
                    }
                }
                try await first.query("COMMIT", logger: logger)
                return result
            } catch {
                _ = try? await first.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }
}

/// PostgreSQL did not export a usable snapshot id.
struct PostgresSnapshotError: Error {}
