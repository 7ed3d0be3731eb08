import Hummingbird
import Logging
import VellumCore
import VellumStore

/// Turns failures that escape an endpoint into clean answers: an `OAuthError` into its JSON, a
/// storage failure into ``Unavailable``'s 503 with `Retry-After`, which names no internals (the
/// details go to the log with the request id). Hummingbird's own `HTTPError`s pass through.
struct StorageErrorMiddleware: RouterMiddleware {
    typealias Context = VellumRequestContext
    let unavailable: Unavailable
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as OAuthError {
            return Responses.oauthError(error)
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(String(reflecting: error))"])
            return unavailable.response(for: request.uri.path)
        }
    }
}
