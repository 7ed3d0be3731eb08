/// One versioned schema change, embedded in the binaries.
public struct Migration: Sendable {
    /// The version, from the file name `vNNNN_name.sql`; applied in ascending order.
    public let version: Int
    /// The file name, for messages and the `schema_migrations` record.
    public let name: String
    /// The SQL text, possibly several statements.
    public let sql: String

    init(version: Int, name: String, bytes: [UInt8]) {
        self.version = version
        self.name = name
        self.sql = String(decoding: bytes, as: UTF8.self)
    }
}

/// Every migration of the event store schema, in version order.
public enum EmbeddedMigrations {
    /// The migrations, ascending by version. A test checks this lists every file in `SQL/`.
    public static let all: [Migration] = [
        Migration(version: 1, name: "v0001_event_store.sql", bytes: PackageResources.v0001_event_store_sql),
        Migration(version: 2, name: "v0002_projections.sql", bytes: PackageResources.v0002_projections_sql),
        Migration(version: 3, name: "v0003_token_lifecycle.sql", bytes: PackageResources.v0003_token_lifecycle_sql),
        Migration(version: 4, name: "v0004_audit.sql", bytes: PackageResources.v0004_audit_sql),
        Migration(version: 5, name: "v0005_browser_and_audience.sql", bytes: PackageResources.v0005_browser_and_audience_sql),
        Migration(version: 6, name: "v0006_credentials.sql", bytes: PackageResources.v0006_credentials_sql),
        Migration(version: 7, name: "v0007_enforcing_roles.sql", bytes: PackageResources.v0007_enforcing_roles_sql),
        Migration(version: 8, name: "v0008_seal_lookup.sql", bytes: PackageResources.v0008_seal_lookup_sql),
        Migration(version: 9, name: "v0009_cheaper_event_stamp.sql", bytes: PackageResources.v0009_cheaper_event_stamp_sql),
    ]
}
