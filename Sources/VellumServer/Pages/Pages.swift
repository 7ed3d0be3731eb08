import Mustache

/// The HTML pages a person sees: login, consent and errors. Mustache escapes every `{{value}}`.
struct Pages: Sendable {
    private let library: MustacheLibrary

    init() {
        var library = MustacheLibrary()
        // The templates are constants of this file: a failure here is a programming error caught by any test.
        try! library.register(Self.layout, named: "layout")
        try! library.register(Self.login, named: "login")
        try! library.register(Self.consent, named: "consent")
        try! library.register(Self.error, named: "error")
        self.library = library
    }

    struct Login: Sendable {
        let flow: String
        let csrfToken: String
        let clientName: String
        let username: String
        let message: String?
    }

    struct Consent: Sendable {
        let flow: String
        let csrfToken: String
        let clientName: String
        let username: String
        let scopes: [String]
    }

    struct ErrorPage: Sendable {
        let title: String
        let message: String
    }

    func login(_ page: Login) -> String { library.render(page, withTemplate: "login") ?? "" }
    func consent(_ page: Consent) -> String { library.render(page, withTemplate: "consent") ?? "" }
    func error(_ page: ErrorPage) -> String { library.render(page, withTemplate: "error") ?? "" }

    static let layout = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{$title}}Vellum{{/title}}</title>
        <style>body{font-family:system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem;color:#222}
        label,input,button{display:block;width:100%;box-sizing:border-box;margin:.4rem 0}input{padding:.5rem}
        button{padding:.6rem;margin-top:1rem}.error{color:#a00}ul{padding-left:1.2rem}</style></head>
        <body>{{$body}}{{/body}}</body></html>
        """

    static let login = """
        {{<layout}}{{$title}}Sign in · Vellum{{/title}}{{$body}}
        <h1>Sign in</h1>
        <p>to continue to <strong>{{clientName}}</strong></p>
        {{#message}}<p class="error" role="alert">{{message}}</p>{{/message}}
        <form method="post" action="/login">
        <input type="hidden" name="flow" value="{{flow}}">
        <input type="hidden" name="csrf_token" value="{{csrfToken}}">
        <label for="username">Username</label>
        <input id="username" name="username" value="{{username}}" autocomplete="username" required autofocus>
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required>
        <button type="submit">Sign in</button>
        </form>{{/body}}{{/layout}}
        """

    static let consent = """
        {{<layout}}{{$title}}Allow access · Vellum{{/title}}{{$body}}
        <h1>Allow access?</h1>
        <p><strong>{{clientName}}</strong> asks to act for <strong>{{username}}</strong> with:</p>
        <ul>{{#scopes}}<li>{{.}}</li>{{/scopes}}{{^scopes}}<li>basic access</li>{{/scopes}}</ul>
        <form method="post" action="/consent">
        <input type="hidden" name="flow" value="{{flow}}">
        <input type="hidden" name="csrf_token" value="{{csrfToken}}">
        <label><input type="checkbox" name="remember" value="on" style="display:inline;width:auto"> Remember this decision</label>
        <button type="submit" name="decision" value="allow">Allow</button>
        <button type="submit" name="decision" value="deny">Deny</button>
        </form>{{/body}}{{/layout}}
        """

    static let error = """
        {{<layout}}{{$title}}{{title}} · Vellum{{/title}}{{$body}}
        <h1>{{title}}</h1>
        <p class="error">{{message}}</p>{{/body}}{{/layout}}
        """
}
