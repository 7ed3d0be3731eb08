import Hummingbird
import Logging
import VellumStore

/// Answers every request within `limit` (`VELLUM_REQUEST_TIMEOUT`): a request still waiting
/// then — on a database that went away, a pool that cannot connect, a network that drops
/// packets — gets ``Unavailable``'s 503 with `Retry-After`, and is left to end on its own. What it
/// was doing keeps every guarantee: an append commits whole or not at all, and the client that
/// heard 503 retries like after a network failure.
struct DeadlineResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context == VellumRequestContext {
    typealias Context = VellumRequestContext
    let inner: Inner
    let limit: Duration
    let unavailable: Unavailable

    func respond(to request: Request, context: Context) async throws -> Response {
        // The health endpoints never wait on the database: no task and timer of their own (a
        // tenth of `/healthz`'s cost).
        if request.uri.path == "/healthz" || request.uri.path == "/readyz" { return try await inner.respond(to: request, context: context) }
        do {
            // What the request has not appended by its deadline is not appended (``RequestDeadline``).
            return try await RequestDeadline.$current.withValue(.now + limit) {
                try await racingDeadline(limit) { try await inner.respond(to: request, context: context) }
            }
        } catch is DeadlineExceeded {
            ServerMetrics.requestTimedOut()
            context.logger.warning("request answered 503: no answer within the request timeout",
                           metadata: ["path": "\(request.uri.path)", "timeout": "\(limit)"])
            return unavailable.response(for: request.uri.path)
        }
    }
}
