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

    /// `uri` with `parameters` added to its query, keeping what was there (RFC 6749 §3.1.2).
    public static func appending(_ parameters: [(String, String)], to uri: String) -> String {
        guard var components = URLComponents(string: uri) else { return uri }
        var items = components.queryItems ?? []
        items += parameters.map { URLQueryItem(name: $0.0, value: $0.1) }
        components.percentEncodedQuery = items.map { item in
            "\(formEncode(item.name))=\(formEncode(item.value ?? ""))"
        }.joined(separator: "&")
        return components.string ?? uri
    }

    private static func formEncode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}
