import Foundation

/// The Content-Security-Policy of Vellum's HTML pages (docs/decisions/0005).
///
/// Chromium and WebKit apply `form-action` not only to a form's own `action` but to every redirect
/// that follows its submission, so a page whose form ends in a 303 to the client's `redirect_uri`
/// must admit that target, or the browser stays on the page. Each page therefore names the
/// validated redirect target of its flow, and nothing else beyond `'self'`.
enum ContentSecurityPolicy {
    /// The policy for a page whose forms may end in a redirect to `redirectTargets`.
    static func header(formTargets redirectTargets: [String] = []) -> String {
        let targets = redirectTargets.compactMap(source(for:))
        let formAction = (["'self'"] + targets).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        return "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action \(formAction.joined(separator: " ")); "
            + "frame-ancestors 'none'; base-uri 'none'"
    }

    /// The CSP source expression (CSP3 §2.3.1) that admits `uri`: its origin for http(s), its
    /// scheme for a private-use scheme (RFC 8252 §7.1). Nil when `uri` cannot be written as one
    /// safely; the redirect is then refused by the browser rather than the policy widened.
    static func source(for uri: String) -> String? {
        guard let components = URLComponents(string: uri), let scheme = components.scheme?.lowercased(),
              scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }) else { return nil }
        guard scheme == "http" || scheme == "https" else { return "\(scheme):" }
        guard let host = components.percentEncodedHost, !host.isEmpty,
              host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-.[]:".contains($0)) }) else { return nil }
        return "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
    }
}
