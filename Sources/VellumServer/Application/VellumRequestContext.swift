public import Hummingbird
public import NIOCore

/// The request context: Hummingbird's core storage plus who is asking, for event metadata and logs.
public struct VellumRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer (a proxy's address when behind one).
    public let remoteAddress: SocketAddress?
    /// Vellum's id for this request: on every log line it causes, in its events'
    /// `metadata.request_id`, and echoed as `X-Request-Id` (set by ``RequestLogResponder``).
    public var requestID: String = ""
    /// The `X-Request-Id` the client sent, if any: recorded beside Vellum's own, never instead of it.
    public var clientRequestID: String?
    /// The client's address: the TCP peer, or what trusted proxies forwarded (``TrustedProxies``).
    public var clientIP: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        clientIP = remoteAddress?.ipAddress
    }
}
