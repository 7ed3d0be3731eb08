/// Who caused an event.
public struct Actor: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `user`, `client`, `operator` or `system`.
    public let kind: String
    /// The user id, client id or operator name; nil for the system.
    public let id: String?

    /// A user, by user id.
    public static func user(_ id: String) -> Actor { Actor(kind: "user", id: id) }
    /// A client, by client id.
    public static func client(_ id: String) -> Actor { Actor(kind: "client", id: id) }
    /// An operator at the command line, by login name.
    public static func `operator`(_ name: String) -> Actor { Actor(kind: "operator", id: name) }
    /// Vellum itself (a browser not yet authenticated, a background service).
    public static let system = Actor(kind: "system", id: nil)

    public var description: String { id.map { "\(kind):\($0)" } ?? kind }
}

/// What every event carries besides its payload (DESIGN.md §2): where it came from and who caused it.
public struct EventMetadata: Sendable, Hashable, Codable {
    /// Vellum's id of the request, shared by every event one request appends, on every log line the
    /// request caused and in its response's `X-Request-Id`.
    public var requestID: String?
    /// The `X-Request-Id` the client sent, if any: its own name for the request, not trusted as Vellum's.
    public var clientRequestID: String?
    /// The client's IP address: the TCP peer, or the address a trusted proxy forwarded.
    public var remoteIP: String?
    /// The `User-Agent` header.
    public var userAgent: String?
    /// The `vellum` instance that appended the event.
    public var instance: String
    /// Who caused the event.
    public var actor: Actor
    /// The command whose decision appended the event: the same for every event one decision
    /// appends, so that a retry after a lost COMMIT reply finds them instead of deciding again.
    public var commandID: String?

    enum CodingKeys: String, CodingKey {
        case requestID = "request_id", clientRequestID = "client_request_id", remoteIP = "remote_ip", userAgent = "user_agent", instance, actor
        case commandID = "command_id"
    }

    /// Metadata for an event caused by `actor` through `instance`.
    public init(requestID: String? = nil, remoteIP: String? = nil, userAgent: String? = nil, instance: String, actor: Actor) {
        self.requestID = requestID
        self.remoteIP = remoteIP
        self.userAgent = userAgent
        self.instance = instance
        self.actor = actor
    }

    /// The same metadata for one new command (a fresh ``commandID``).
    public func forCommand(_ commandID: String) -> EventMetadata {
        var copy = self
        copy.commandID = commandID
        return copy
    }

    /// The same metadata with another actor.
    public func with(actor: Actor) -> EventMetadata {
        var copy = self
        copy.actor = actor
        return copy
    }
}
