import Foundation
import Mustache
import VellumCore

/// The HTML pages a person sees: sign-in, consent, errors and sign-out, rendered from the
/// `.mustache` templates in `Templates/` (embedded in the binary). A deployment may replace any of
/// them, and the stylesheet, with files of the same name in `VELLUM_TEMPLATES_DIR`
/// (docs/customising-pages.md). Mustache escapes every `{{value}}`.
struct Pages: Sendable {
    /// The templates, by name, and the file each is read from in a templates directory.
    static let templateNames = ["layout", "login", "consent", "error", "logout", "logged-out"]

    private let library: MustacheLibrary
    /// The stylesheet served at `/assets/vellum.css`.
    let stylesheet: String

    /// Loads the built-in templates, each replaced by `directory/NAME.mustache` where that exists.
    /// A template that does not parse stops the server at start, naming the file.
    init(directory: String? = nil) throws {
        var library = MustacheLibrary()
        for name in Self.templateNames {
            let text = try Self.override(named: "\(name).mustache", in: directory) ?? Self.builtIn[name] ?? ""
            do {
                try library.register(text, named: name)
            } catch {
                throw PagesError(description: "the template \(name).mustache does not parse: \(error)")
            }
        }
        self.library = library
        self.stylesheet = try Self.override(named: "vellum.css", in: directory)
            ?? String(decoding: PackageResources.vellum_css, as: UTF8.self)
    }

    private static let builtIn: [String: String] = [
        "layout": String(decoding: PackageResources.layout_mustache, as: UTF8.self),
        "login": String(decoding: PackageResources.login_mustache, as: UTF8.self),
        "consent": String(decoding: PackageResources.consent_mustache, as: UTF8.self),
        "error": String(decoding: PackageResources.error_mustache, as: UTF8.self),
        "logout": String(decoding: PackageResources.logout_mustache, as: UTF8.self),
        "logged-out": String(decoding: PackageResources.logged_out_mustache, as: UTF8.self),
    ]

    private static func override(named file: String, in directory: String?) throws -> String? {
        guard let directory else { return nil }
        let path = URL(filePath: directory).appending(path: file).path
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw PagesError(description: "cannot read \(path): \(error.localizedDescription)")
        }
    }

    struct Login: Sendable {
        let flow: String
        let csrfToken: String
        let clientName: String
        let username: String
        let message: String?
        /// The user has a live session but must enter the password again (`prompt=login`, `max_age`).
        var reauthenticate = false
    }

    struct Consent: Sendable {
        let flow: String
        let csrfToken: String
        let clientName: String
        let username: String
        let scopes: [ScopeDescription]
    }

    struct ErrorPage: Sendable {
        let title: String
        let message: String
    }

    struct Logout: Sendable {
        let csrfToken: String
        let username: String
        let clientName: String
        let idTokenHint: String
        let postLogoutRedirectURI: String
        let state: String
    }

    func login(_ page: Login) -> String { library.render(page, withTemplate: "login") ?? "" }
    func consent(_ page: Consent) -> String { library.render(page, withTemplate: "consent") ?? "" }
    func error(_ page: ErrorPage) -> String { library.render(page, withTemplate: "error") ?? "" }
    func logout(_ page: Logout) -> String { library.render(page, withTemplate: "logout") ?? "" }
    func loggedOut(_ page: ErrorPage) -> String { library.render(page, withTemplate: "logged-out") ?? "" }
}

/// A templates directory that cannot be used.
struct PagesError: Error, CustomStringConvertible {
    let description: String
}
