import Foundation

/// How `vellum serve` listens, names itself, and how long what it issues lives.
public struct ServerConfiguration: Sendable {
    /// The address to bind (`--host`, `VELLUM_HOST`).
    public var host: String
    /// The port to bind (`--port`, `VELLUM_PORT`); 0 picks a free one.
    public var port: Int
    /// The issuer URL (`--issuer`, `VELLUM_ISSUER`), without a trailing slash; defaults to `http://host:port`.
    public var issuer: String
    /// This instance's name in event metadata and logs; defaults to `hostname:pid`.
    public var instanceID: String
    /// Authorization code lifetime in seconds (`VELLUM_CODE_TTL`, default 60).
    public var codeLifetime: Int64 = 60
    /// Access token lifetime in seconds (`VELLUM_ACCESS_TOKEN_TTL`, default 600).
    public var accessTokenLifetime: Int64 = 600
    /// Browser session lifetime in seconds (`VELLUM_SESSION_TTL`, default 8 hours).
    public var sessionLifetime: Int64 = 8 * 3600

    /// A configuration; `issuer` defaults from the host and port.
    public init(host: String = "127.0.0.1", port: Int = 8080, issuer: String? = nil, instanceID: String? = nil) {
        self.host = host
        self.port = port
        var issuer = issuer ?? "http://\(host):\(port)"
        while issuer.hasSuffix("/") { issuer.removeLast() }
        self.issuer = issuer
        self.instanceID = instanceID ?? "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// Whether cookies must be `Secure` (the issuer is https).
    public var usesHTTPS: Bool { issuer.lowercased().hasPrefix("https://") }

    /// The absolute URL of `path` under the issuer.
    func url(_ path: String) -> String { issuer + path }
}
