import Foundation

/// How `vellum serve` listens and names itself.
public struct ServerConfiguration: Sendable {
    /// The address to bind (`--host`, `VELLUM_HOST`).
    public var host: String
    /// The port to bind (`--port`, `VELLUM_PORT`); 0 picks a free one.
    public var port: Int
    /// The issuer URL (`--issuer`, `VELLUM_ISSUER`); defaults to `http://host:port`.
    public var issuer: String
    /// This instance's name in event metadata and logs; defaults to `hostname:pid`.
    public var instanceID: String

    /// A configuration; `issuer` defaults from the host and port.
    public init(host: String = "127.0.0.1", port: Int = 8080, issuer: String? = nil, instanceID: String? = nil) {
        self.host = host
        self.port = port
        self.issuer = issuer ?? "http://\(host):\(port)"
        self.instanceID = instanceID ?? "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }
}
