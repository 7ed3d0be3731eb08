import HTTPTypes
import Hummingbird
import VellumCore

/// What the router does not: `HEAD` on every `GET` resource (RFC 9110 §9.3.2: the same headers,
/// no body), and `405 Method Not Allowed` with `Allow` for a method a known path does not take
/// (the router alone answers 404, as for a path that does not exist).
struct MethodGuard<Inner: HTTPResponder>: HTTPResponder where Inner.Context == VellumRequestContext {
    typealias Context = VellumRequestContext
    let inner: Inner
    /// The methods of each path the router serves.
    let methods: [String: Set<HTTPRequest.Method>]

    init(inner: Inner, routes: [Router<Context>.RouteDescription]) {
        self.inner = inner
        methods = Dictionary(grouping: routes, by: { "/" + $0.path.description.trimmingCharacters(in: ["/"]) })
            .mapValues { Set($0.map(\.method)) }
    }

    func respond(to request: Request, context: Context) async throws -> Response {
        guard let allowed = methods[request.uri.path], !allowed.contains(request.method) else {
            return try await inner.respond(to: request, context: context)
        }
        if request.method == .head, allowed.contains(.get) {
            var head = request.head
            head.method = .get
            let response = try await inner.respond(to: Request(head: head, body: request.body), context: context)
            return Response(status: response.status, headers: response.headers, body: ResponseBody())
        }
        let allow = (allowed.contains(.get) ? allowed.union([.head]) : allowed).map(\.rawValue).sorted().joined(separator: ", ")
        var response = Responses.oauthError(.invalidRequest("\(request.uri.path) does not take \(request.method.rawValue); it takes \(allow)"))
        response.status = .methodNotAllowed
        response.headers[.allow] = allow
        return response
    }
}
