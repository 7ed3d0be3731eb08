import Foundation
public import PostgresNIO
import NIOSSL

/// A `postgres://` or `postgresql://` URL, as operators write them for libpq:
/// `postgres://user:password@host:5432/database?sslmode=require`. A Unix socket is named by a
/// `host` query item that is a directory: `postgres://user@/database?host=/var/run/postgresql`.
public struct DatabaseURL: Sendable {
    /// The connection configuration the URL describes.
    public let configuration: PostgresClient.Configuration

    /// Parses `string`; throws a message that names what is wrong (never echoing a password).
    public init(_ string: String) throws {
        guard let components = URLComponents(string: string),
              let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw DatabaseURLError("the database URL must look like postgres://user:password@host:5432/database")
        }
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        let username = components.user?.removingPercentEncoding ?? query["user"] ?? "postgres"
        let password = components.password?.removingPercentEncoding ?? query["password"]
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let database = path.isEmpty ? query["dbname"] : path.removingPercentEncoding
        let port = components.port ?? query["port"].flatMap(Int.init) ?? 5432
        let host = components.host?.removingPercentEncoding.flatMap { $0.isEmpty ? nil : $0 } ?? query["host"]

        var configuration: PostgresClient.Configuration
        if let host, host.hasPrefix("/") {
            configuration = .init(unixSocketPath: "\(host)/.s.PGSQL.\(port)", username: username, password: password, database: database)
        } else {
            configuration = .init(host: host ?? "localhost", port: port, username: username, password: password,
                                  database: database, tls: try Self.tls(sslmode: query["sslmode"] ?? "prefer"))
        }
        self.configuration = configuration
    }

    private static func tls(sslmode: String) throws -> PostgresClient.Configuration.TLS {
        switch sslmode {
        case "disable":
            return .disable
        case "allow", "prefer":
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .none
            return .prefer(tls)
        case "require":
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .none
            return .require(tls)
        case "verify-ca", "verify-full":
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = sslmode == "verify-ca" ? .noHostnameVerification : .fullVerification
            return .require(tls)
        default:
            throw DatabaseURLError("unknown sslmode '\(sslmode)': use disable, prefer, require, verify-ca or verify-full")
        }
    }
}

/// A database URL that cannot be used, with the reason.
public struct DatabaseURLError: Error, CustomStringConvertible, Sendable {
    /// What is wrong with the URL.
    public let description: String

    init(_ description: String) { self.description = description }
}
