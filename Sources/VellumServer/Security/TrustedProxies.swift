import Foundation

/// A block of IP addresses in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`, or one address).
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    let address: [UInt8]
    let prefixLength: Int

    /// Parses `text`; nil when it is not an address with an optional `/prefix` that fits it.
    public init?(_ text: some StringProtocol) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPNetwork.bytes(of: parts[0]) else { return nil }
        let length = parts.count == 2 ? Int(parts[1]) : address.count * 8
        guard let length, (0...address.count * 8).contains(length) else { return nil }
        self.address = address
        self.prefixLength = length
    }

    /// Whether `address` (IPv4 or IPv6 text) lies in this block. An IPv4-mapped IPv6 address
    /// (`::ffff:10.0.0.1`) counts as its IPv4 address.
    public func contains(_ address: String) -> Bool {
        guard let bytes = IPNetwork.bytes(of: address), bytes.count == self.address.count else { return false }
        let full = prefixLength / 8, rest = prefixLength % 8
        guard bytes[..<full] == self.address[..<full] else { return false }
        guard rest > 0 else { return true }
        let mask = UInt8(0xFF) << (8 - rest)
        return bytes[full] & mask == self.address[full] & mask
    }

    public var description: String { "\(IPNetwork.text(of: address))/\(prefixLength)" }

    /// The 4 or 16 bytes of an address in text; an IPv4-mapped IPv6 address gives its 4.
    static func bytes(of text: some StringProtocol) -> [UInt8]? {
        let text = String(text)
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        return bytes[..<12] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF][...] ? Array(bytes[12...]) : bytes
    }

    /// The canonical text of 4 or 16 address bytes.
    static func text(of bytes: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        var bytes = bytes
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        guard inet_ntop(family, &bytes, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Which client address a request stands for (`VELLUM_TRUSTED_PROXIES`). Without trusted proxies
/// it is the TCP peer, whatever the headers say. When the peer is a trusted proxy, the addresses it
/// forwarded (`Forwarded: for=` of RFC 7239, else `X-Forwarded-For`) are walked from the nearest
/// hop outwards: the first address not in a trusted block is the client. A client can write
/// anything into those headers, so only hops vouched for by a trusted proxy are believed.
public struct TrustedProxies: Sendable {
    public let networks: [IPNetwork]

    public init(_ networks: [IPNetwork] = []) { self.networks = networks }

    /// Parses a comma-separated list of CIDR blocks (`VELLUM_TRUSTED_PROXIES`).
    public init(parsing list: String) throws(InvalidNetwork) {
        var networks: [IPNetwork] = []
        for item in list.split(separator: ",") where !item.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let network = IPNetwork(item) else { throw InvalidNetwork(text: String(item)) }
            networks.append(network)
        }
        self.networks = networks
    }

    public struct InvalidNetwork: Error, CustomStringConvertible {
        public let text: String
        public var description: String { "'\(text.trimmingCharacters(in: .whitespaces))' is not an IP address or CIDR block" }
    }

    func trusts(_ address: String) -> Bool { networks.contains { $0.contains(address) } }

    /// The client's address, given the TCP `peer` and the request's `Forwarded` and
    /// `X-Forwarded-For` header values.
    public func clientAddress(peer: String?, forwarded: [String], xForwardedFor: [String]) -> String? {
        guard let peer, !networks.isEmpty, trusts(peer) else { return peer }
        let hops = forwarded.isEmpty ? Self.xForwardedFor(xForwardedFor) : Self.forwardedFor(forwarded)
        var client = peer
        for hop in hops.reversed() {
            // An obfuscated or unknown hop (RFC 7239 §6.3) ends what can be known.
            guard let address = IPNetwork.bytes(of: hop).map(IPNetwork.text(of:)) else { break }
            client = address
            if !trusts(address) { break }
        }
        return client
    }

    /// The `for=` addresses of `Forwarded` header values, first hop first, quotes, brackets and
    /// ports removed.
    static func forwardedFor(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",") }.compactMap { element in
            for pair in element.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces).lowercased() == "for" else { continue }
                var node = parts[1].trimmingCharacters(in: .whitespaces)
                if node.hasPrefix("\""), node.hasSuffix("\""), node.count >= 2 { node = String(node.dropFirst().dropLast()) }
                if node.hasPrefix("[") {  // "[2001:db8::1]:4711"
                    return node.dropFirst().split(separator: "]", maxSplits: 1).first.map(String.init)
                }
                // "192.0.2.1:4711"; a bare IPv6 address is not allowed unquoted and unbracketed.
                let pieces = node.split(separator: ":")
                return pieces.count == 2 ? String(pieces[0]) : node
            }
            return nil
        }
    }

    /// The addresses of `X-Forwarded-For` header values, first hop first.
    static func xForwardedFor(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
