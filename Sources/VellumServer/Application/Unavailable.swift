import Hummingbird
import VellumCore

/// The answer when the server cannot reach its database in time: `503 Service Unavailable` with
/// `Retry-After`, as an RFC 6749 error (`temporarily_unavailable`) on the JSON endpoints and as a
/// page on the browser's. Names no internals (the cause goes to the log).
struct Unavailable: Sendable {
    let pages: Pages

    /// Seconds a client should wait before trying again.
    static let retryAfterSeconds = 1
    /// The endpoints a browser navigates to: they answer with a page.
    static let browserPaths: Set<Substring> = ["/authorize", "/login", "/consent", "/logout"]

    func response(for path: String) -> Response {
        var response = Self.browserPaths.contains(path.trimmingTrailingSlash)
            ? Responses.page(pages.error(.init(
                title: "Temporarily unavailable", message: "The sign-in service cannot answer right now. Please try again in a moment.")),
                status: .serviceUnavailable)
            : Responses.oauthError(OAuthError(.temporarilyUnavailable, "the server cannot answer right now; try again"))
        response.headers[.retryAfter] = String(Self.retryAfterSeconds)
        return response
    }
}

extension String {
    fileprivate var trimmingTrailingSlash: Substring {
        count > 1 && hasSuffix("/") ? dropLast() : self[...]
    }
}
