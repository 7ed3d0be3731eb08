public import Logging
public import PostgresNIO

/// Which of Vellum's roles a command needs (docs/database-roles.md).
public enum DatabaseRole: Sendable {
    /// The schema's owner: `vellum migrate` only.
    case owner
    /// A login role in `vellum_app`: `vellum serve` and the operator commands.
    case application
    /// A login role in `vellum_auditor`: `vellum-audit`.
    case auditor

    /// The login role the embedded cluster connects as; nil for its owner (the bootstrap superuser).
    var embeddedLoginRole: String? {
        switch self {
        case .owner: nil
        case .application: EmbeddedRoles.server
        case .auditor: EmbeddedRoles.auditor
        }
    }
}

/// The login roles of the embedded cluster, created by its owner once the schema (and with it the
/// group roles `vellum_app` and `vellum_auditor`) exists. The cluster trusts its private socket,
/// so they need no password.
enum EmbeddedRoles {
    static let server = "vellum_server"
    static let auditor = "vellum_audit"

    static func ensure(on client: PostgresClient, logger: Logger) async throws {
        try await client.query("""
            DO $$
            BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'vellum_server') THEN
                    CREATE ROLE vellum_server LOGIN IN ROLE vellum_app;
                END IF;
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'vellum_audit') THEN
                    CREATE ROLE vellum_audit LOGIN IN ROLE vellum_auditor;
                END IF;
            END;
            $$
            """, logger: logger)
    }
}
