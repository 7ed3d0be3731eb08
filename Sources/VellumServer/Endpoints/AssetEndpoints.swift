import Hummingbird
import NIOCore

/// `GET /assets/vellum.css`: the pages' one stylesheet, served from Vellum itself so that the
/// pages' CSP can say `style-src 'self'` and no page loads anything from elsewhere.
struct AssetEndpoints: Sendable {
    let stylesheet: String

    func register(on router: Router<VellumRequestContext>) {
        router.get("assets/vellum.css") { _, _ in
            var response = Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: stylesheet)))
            response.headers[.contentType] = "text/css; charset=utf-8"
            response.headers[.cacheControl] = "public, max-age=3600"
            response.headers[.init("X-Content-Type-Options")!] = "nosniff"
            return response
        }
    }
}
