"""Small HTTP helpers for the fuzzing scripts: raw requests (no redirect following, bytes as given)
and one complete authorization code flow (authorize, login, consent, token) against a live server.

Standard library only. Used by scripts/fuzz-api and Tests/Fuzz/malformed_input.py.

    python3 Tests/Fuzz/vellum_http.py tokens --base-url URL --client-id ID --client-secret S \
        --username U --password P [--redirect-uri URI]

prints the token response of a fresh flow (scope "openid profile") as JSON;

    python3 Tests/Fuzz/vellum_http.py prepare (the same options)

prints the Schemathesis configuration for a fuzzing run (see `prepare`).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import json
import re
import secrets
import sys
import urllib.parse
from dataclasses import dataclass, field


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    set_cookies: list[str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Client:
    """A connection-per-request HTTP client with a cookie jar (name → value), never following redirects."""

    base_url: str
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = 30.0

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None,
                send_cookies: bool = True) -> Answer:
        url = urllib.parse.urlsplit(self.base_url)
        connection = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=self.timeout)
        all_headers = dict(headers or {})
        if send_cookies and self.cookies and "Cookie" not in all_headers:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            data = response.read()
            set_cookies = response.msg.get_all("Set-Cookie") or []
            answer = Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, set_cookies, data)
        finally:
            connection.close()
        for cookie in set_cookies:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if "max-age=0" in cookie.lower() or not value:
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        return answer

    def get(self, path: str, **kwargs) -> Answer:
        return self.request("GET", path, **kwargs)

    def post_form(self, path: str, fields, headers: dict[str, str] | None = None) -> Answer:
        """POSTs `fields` (a dict or a list of pairs, repeats kept) form-encoded."""
        body = urllib.parse.urlencode(fields).encode()
        return self.request("POST", path, body=body,
                            headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})


def basic(client_id: str, secret: str) -> str:
    """RFC 6749 §2.3.1: each part form-encoded, then base64."""
    raw = f"{urllib.parse.quote_plus(client_id)}:{urllib.parse.quote_plus(secret)}"
    return "Basic " + base64.b64encode(raw.encode()).decode()


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def hidden(html: str, name: str) -> str:
    match = re.search(r'name="%s" value="([^"]*)"' % re.escape(name), html)
    if not match:
        raise RuntimeError(f"no hidden input {name!r} in the page")
    return match.group(1)


def start_flow(browser: Client, client_id: str, redirect_uri: str, scope: str = "openid profile") -> tuple[str, str, str]:
    """GET /authorize; returns (flow id, login page HTML, PKCE verifier)."""
    verifier, challenge = pkce_pair()
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "scope": scope,
        "state": "fuzz", "code_challenge": challenge, "code_challenge_method": "S256",
    })
    answer = browser.get(f"/authorize?{query}")
    location = answer.header("location") or ""
    if answer.status != 303 or not location.startswith("/login?flow="):
        raise RuntimeError(f"/authorize answered {answer.status} {location!r}")
    page = browser.get(location)
    if page.status != 200:
        raise RuntimeError(f"{location} answered {page.status}")
    flow = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["flow"][0]
    return flow, page.text, verifier


def full_flow(base_url: str, client_id: str, client_secret: str, username: str, password: str,
              redirect_uri: str = "https://app.example/cb", scope: str = "openid profile") -> dict:
    """An authorization code flow from /authorize to /token; returns the token response."""
    browser = Client(base_url)
    flow, page, verifier = start_flow(browser, client_id, redirect_uri, scope)
    answer = browser.post_form("/login", {"flow": flow, "csrf_token": hidden(page, "csrf_token"),
                                          "username": username, "password": password})
    location = answer.header("location") or ""
    if answer.status != 303:
        raise RuntimeError(f"POST /login answered {answer.status}")
    if location.startswith("/consent"):
        consent = browser.get(location)
        answer = browser.post_form("/consent", {"flow": flow, "csrf_token": hidden(consent.text, "csrf_token"),
                                                "decision": "allow"})
        location = answer.header("location") or ""
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query).get("code", [None])[0]
    if not code:
        raise RuntimeError(f"no code in {location!r}")
    token = Client(base_url).post_form(
        "/token", {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                   "code_verifier": verifier},
        headers={"Authorization": basic(client_id, client_secret)})
    if token.status != 200:
        raise RuntimeError(f"/token answered {token.status}: {token.text}")
    return json.loads(token.body)


def toml_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a TOML basic string for these (ASCII) values


def prepare(base_url: str, client_id: str, client_secret: str, username: str, password: str,
            redirect_uri: str = "https://app.example/cb", post_client: tuple[str, str] | None = None,
            public_client: str | None = None, basic: bool = True) -> str:
    """The Schemathesis configuration for a fuzzing run: the client's Basic credentials and an
    access token for the security schemes, and dictionaries of live values (the client id, flows
    waiting for a login and for a consent, their CSRF tokens and the browser's cookies, tokens and
    an ID token) that the fuzzer mixes into what it generates, so that its requests also get past
    the first check of each endpoint. Beside the live values, a few nasty ones (NUL, a lone
    surrogate's bytes as the server decodes them) that random generation seldom makes.

    With `basic` false the configuration sends no HTTP Basic credentials, so that the fuzzer
    authenticates in the body: `client_secret_post` with `post_client`'s credentials, `none` with
    `public_client`'s id, both among the dictionaries' values."""
    bearer = full_flow(base_url, client_id, client_secret, username, password, redirect_uri)["access_token"]
    tokens = full_flow(base_url, client_id, client_secret, username, password, redirect_uri)
    browser = Client(base_url)
    login_flow, login_page, _ = start_flow(browser, client_id, redirect_uri)
    consent_flow, consent_login_page, _ = start_flow(browser, client_id, redirect_uri)
    answer = browser.post_form("/login", {"flow": consent_flow, "csrf_token": hidden(consent_login_page, "csrf_token"),
                                          "username": username, "password": password})
    consent_page = browser.get(answer.header("location") or "/")
    logout_page = browser.get("/logout")
    csrf_cookie = next(value for name, value in browser.cookies.items() if name.endswith("vellum_csrf"))
    session_cookie = next(value for name, value in browser.cookies.items() if name.endswith("vellum_session"))
    dictionaries = {
        "client_ids": ([client_id] if basic else [post_client[0], public_client]) + ["c_\x00"],
        "client_secrets": [client_secret] if basic else [post_client[1]],
        "redirect_uris": [redirect_uri],
        "flows": [login_flow, consent_flow],
        "csrf_tokens": [hidden(login_page, "csrf_token"), hidden(consent_page.text, "csrf_token"),
                        hidden(logout_page.text, "csrf_token")],
        "csrf_nonces": [csrf_cookie],
        "sessions": [session_cookie],
        "tokens": [tokens["access_token"], tokens.get("refresh_token") or tokens["access_token"]],
        "id_tokens": [tokens["id_token"]],
        "usernames": [username, username + "\x00"],
    }
    bindings = {
        "query.client_id": ("client_ids", 0.5), "body.client_id": ("client_ids", 0.3 if basic else 0.8),
        "body.client_secret": ("client_secrets", 0.3 if basic else 0.6),
        "query.redirect_uri": ("redirect_uris", 0.5), "body.redirect_uri": ("redirect_uris", 0.3),
        "query.flow": ("flows", 0.7), "body.flow": ("flows", 0.7), "body.csrf_token": ("csrf_tokens", 0.7),
        "cookie.vellum_csrf": ("csrf_nonces", 0.7), "cookie.vellum_session": ("sessions", 0.7),
        "body.token": ("tokens", 0.5), "body.refresh_token": ("tokens", 0.3),
        "query.id_token_hint": ("id_tokens", 0.5), "body.id_token_hint": ("id_tokens", 0.5),
        "body.username": ("usernames", 0.5),
    }
    lines = ["# Written by Tests/Fuzz/vellum_http.py prepare for one fuzzing run (scripts/fuzz-api).", ""]
    if basic:
        lines += ["[auth.openapi.clientBasic]", f"username = {toml_string(client_id)}", f"password = {toml_string(client_secret)}", ""]
    lines += ["[auth.openapi.bearerAuth]", f"bearer = {toml_string(bearer)}", ""]
    for name, values in dictionaries.items():
        lines += [f"[dictionaries.{name}]", "values = [" + ", ".join(toml_string(v) for v in values) + "]", ""]
    # /authorize answers an invalid parameter of a trusted client with an error redirect (303,
    # RFC 6749 §4.1.2.1), which Schemathesis would count as accepting it.
    lines += ["[[operations]]", 'include-path = "/authorize"', "checks.negative_data_rejection.enabled = false", ""]
    lines.append("[parameters]")
    for key, (name, probability) in bindings.items():
        lines.append(f'"{key}" = {{ dictionary = "{name}", probability = {probability} }}')
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    tokens = sub.add_parser("tokens", help="run one flow and print the token response")
    tokens.add_argument("--base-url", required=True)
    tokens.add_argument("--client-id", required=True)
    tokens.add_argument("--client-secret", required=True)
    tokens.add_argument("--username", required=True)
    tokens.add_argument("--password", required=True)
    tokens.add_argument("--redirect-uri", default="https://app.example/cb")
    config = sub.add_parser("prepare", help="print the Schemathesis configuration (TOML) for a fuzzing run")
    for option in ["--base-url", "--client-id", "--client-secret", "--username", "--password"]:
        config.add_argument(option, required=True)
    config.add_argument("--redirect-uri", default="https://app.example/cb")
    config.add_argument("--post-client-id", help="a client_secret_post client, for the dictionaries")
    config.add_argument("--post-client-secret")
    config.add_argument("--public-client-id", help="a public client (none), for the dictionaries")
    config.add_argument("--no-basic", action="store_true",
                        help="send no HTTP Basic credentials (needs --post-client-id, --post-client-secret, --public-client-id)")
    args = parser.parse_args()
    if args.command == "tokens":
        print(json.dumps(full_flow(args.base_url, args.client_id, args.client_secret, args.username, args.password,
                                   args.redirect_uri)))
    else:
        post_client = (args.post_client_id, args.post_client_secret) if args.post_client_id else None
        if args.no_basic and not (post_client and args.public_client_id):
            parser.error("--no-basic needs --post-client-id, --post-client-secret and --public-client-id")
        print(prepare(args.base_url, args.client_id, args.client_secret, args.username, args.password, args.redirect_uri,
                      post_client, args.public_client_id, basic=not args.no_basic), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
