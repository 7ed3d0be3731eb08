/// The client aggregate (`client-<client_id>`): its registration, secret and whether it is enabled.
public struct Client: Aggregate, Equatable {
    public enum Command: Sendable, Equatable {
        case register(ClientRegistered)
        case rotateSecret(SecretHash)
        case disable
        case enable
    }

    /// The client as registered and changed since; nil before registration.
    public private(set) var registered: RegisteredClient?

    public init() {}

    public mutating func evolve(type: String, payload: String) throws {
        switch type {
        case ClientRegistered.type:
            registered = RegisteredClient(try EventJSON.decode(ClientRegistered.self, from: payload))
        case ClientSecretRotated.type:
            registered?.secretHash = try EventJSON.decode(ClientSecretRotated.self, from: payload).secretHash
        case ClientDisabled.type: registered?.disabled = true
        case ClientEnabled.type: registered?.disabled = false
        default: break
        }
    }

    public func decide(_ command: Command) throws(AggregateRefusal) -> [any Event] {
        if case .register(let registration) = command {
            guard registered == nil else { throw AggregateRefusal("the client is already registered") }
            return [registration]
        }
        guard let client = registered else { throw AggregateRefusal("no such client") }
        switch command {
        case .register: return []
        case .rotateSecret(let hash):
            guard !client.isPublic else { throw AggregateRefusal("a public client has no secret to rotate") }
            return [ClientSecretRotated(clientID: client.clientID, secretHash: hash)]
        case .disable: return client.disabled ? [] : [ClientDisabled(clientID: client.clientID)]
        case .enable: return client.disabled ? [ClientEnabled(clientID: client.clientID)] : []
        }
    }

    /// The stream of client `clientID`.
    public static func streamID(_ clientID: String) -> String { StreamID(.client, clientID).description }
}
