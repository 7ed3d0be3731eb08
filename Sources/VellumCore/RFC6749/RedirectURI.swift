import Foundation

/// Redirect URI matching (RFC 6749 §3.1.2, RFC 9700 §4.1.3): exact string comparison with the
/// registered URI, except that a loopback redirect (`http://127.0.0.1`, `http://[::1]`) may use any
/// port (RFC 8252 §7.3), for native apps that listen on an ephemeral port.
public enum RedirectURI {
    /// Whether `requested` matches one of `registered`.
    public static func matches(_ requested: String, registered: [String]) -> Bool {
        registered.contains { matches(requested, registered: $0) }
    }

    /// Whether `requested` matches `registered`.
    public static func matches(_ requested: String, registered: String) -> Bool {
        if requested == registered { return true }
        guard let requestedParts = loopbackParts(requested), let registeredParts = loopbackParts(registered) else {
            return false
        }
        return requestedParts == registeredParts
    }

    /// For a loopback `http` URI, everything but the port; nil for any other URI.
    private static func loopbackParts(_ uri: String) -> [String?]? {
        guard let components = URLComponents(string: uri), components.scheme == "http",
              let host = components.host, ["127.0.0.1", "[::1]", "::1"].contains(host),
              components.user == nil, components.password == nil, components.fragment == nil else { return nil }
        return [components.scheme, host, components.path, components.query]
    }

    /// Whether `uri` may be registered: absolute, no fragment (RFC 6749 §3.1.2), and `https`
    /// unless it is a loopback or private-use (custom scheme) URI.
    public static func isRegistrable(_ uri: String) -> Bool {
        guard let components = URLComponents(string: uri), let scheme = components.scheme?.lowercased(),
              components.fragment == nil else { return false }
        switch scheme {
        case "https": return components.host?.isEmpty == false
        case "http": return loopbackParts(uri) != nil || components.host == "localhost"
        default: return scheme.contains(".")  // private-use schemes are reverse domain names (RFC 8252 §7.1)
        }
    }

    /// `uri` with `parameters` added to its query, keeping what was there byte for byte (RFC 6749
    /// §3.1.2: the query of a registered URI is retained; decoding and encoding it again changed a
    /// `+` into `%2B`). A fragment, which no registered URI has, would stay last.
    public static func appending(_ parameters: [(String, String)], to uri: String) -> String {
        let fragmentStart = uri.firstIndex(of: "#") ?? uri.endIndex
        let base = uri[..<fragmentStart]
        var result = String(base)
        result.reserveCapacity(uri.utf8.count + parameters.reduce(0) { $0 + $1.0.utf8.count + 3 * $1.1.utf8.count + 2 })
        var separator: Character? = base.contains("?") ? (base.hasSuffix("?") || base.hasSuffix("&") ? nil : "&") : "?"
        for (name, value) in parameters {
            if let separator { result.append(separator) }
            separator = "&"
            appendFormEncoded(name, to: &result)
            result.append("=")
            appendFormEncoded(value, to: &result)
        }
        result += uri[fragmentStart...]
        return result
    }

    /// `value` percent-encoded as UTF-8, all but the unreserved characters (RFC 3986 §2.3).
    private static func appendFormEncoded(_ value: String, to result: inout String) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                bytes.append(byte)
            default:
                bytes += [UInt8(ascii: "%"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]]
            }
        }
        result += String(decoding: bytes, as: UTF8.self)
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)
}
