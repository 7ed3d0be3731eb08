#!/usr/bin/env python3
"""Oversized and malformed input against a live Vellum server: every answer must be a clean 4xx
(on /authorize, also an RFC 6749 §4.1.2.1 error redirect once the client and redirect URI are
trusted), never a 5xx, never a body that names the database, and in time.

    python3 Tests/Fuzz/malformed_input.py --base-url URL --client-id ID --client-secret S \
        --username U --password P [--redirect-uri URI] [--server-log FILE]

Covers 10 MB bodies (with Content-Length and chunked), NUL bytes and invalid UTF-8 (percent-encoded
and raw) in form fields, query parameters, Basic credentials and cookies, repeated parameters,
JSON (deeply nested and huge) sent to the form endpoints, wrong content types, oversized request
lines and headers, and malformed percent-encoding. Run by scripts/fuzz-api; standard library only.
Prints one line per probe and exits 1 when any probe failed.
"""

from __future__ import annotations

import argparse
import base64
import re
import select
import socket
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vellum_http  # noqa: E402

TEN_MB = 10 * 1024 * 1024
TIMEOUT = 30.0
DATABASE_WORDS = re.compile(rb"psql|postgres|sqlstate|database|syntax error|relation \"|violates|stack trace|fatal error",
                            re.IGNORECASE)
FORM = b"application/x-www-form-urlencoded"


@dataclass
class Reply:
    status: int | None
    headers: dict[bytes, bytes]
    body: bytes
    note: str = ""


def raw_request(base_url: str, method: bytes, target: bytes, headers: list[tuple[bytes, bytes]] = (),
                body: bytes | None = None, chunked: bool = False) -> Reply:
    """One request on its own connection, bytes exactly as given. Sends and reads at once, so a
    server that answers before the whole body is sent (as it should for a 10 MB body) is heard;
    the exchange ends when the answer is complete or the server closes."""
    url = urllib.parse.urlsplit(base_url)
    head = [method + b" " + target + b" HTTP/1.1", b"Host: " + f"{url.hostname}:{url.port}".encode(), b"Connection: close"]
    head += [name + b": " + value for name, value in headers]
    payload = b""
    if body is not None:
        head.append(b"Transfer-Encoding: chunked" if chunked else b"Content-Length: " + str(len(body)).encode())
        if chunked:
            step = 64 * 1024
            payload = b"".join(f"{len(body[i:i + step]):x}\r\n".encode() + body[i:i + step] + b"\r\n"
                               for i in range(0, len(body), step)) + b"0\r\n\r\n"
        else:
            payload = body
    data = memoryview(b"\r\n".join(head) + b"\r\n\r\n" + payload)
    sock = socket.create_connection((url.hostname, url.port or 80), timeout=TIMEOUT)
    sock.setblocking(False)
    sent, received, note = 0, b"", ""
    deadline = time.monotonic() + TIMEOUT
    try:
        while True:
            if time.monotonic() > deadline:
                note += " (timed out)"
                break
            if complete(received):
                break
            readable, writable, _ = select.select([sock], [sock] if sent < len(data) else [], [], 0.5)
            if readable:
                try:
                    piece = sock.recv(65536)
                except (ConnectionResetError, BrokenPipeError):
                    note += " (reset while reading)"
                    break
                if not piece:
                    break
                received += piece
            if writable:
                try:
                    sent += sock.send(data[sent:sent + 256 * 1024])
                except (BrokenPipeError, ConnectionResetError):
                    note += f" (server closed after {sent} of {len(data)} bytes)"
                    sent = len(data)
    finally:
        sock.close()
    if sent < len(data) and received:
        note += f" (answered after {sent} of {len(data)} bytes)"
    if not received:
        return Reply(None, {}, b"", note.strip() or "no answer")
    head_bytes, _, rest = received.partition(b"\r\n\r\n")
    lines = head_bytes.split(b"\r\n")
    match = re.match(rb"HTTP/1\.[01] (\d{3})", lines[0])
    status = int(match.group(1)) if match else None
    parsed = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        parsed[name.strip().lower()] = value.strip()
    return Reply(status, parsed, rest, note.strip())


def complete(received: bytes) -> bool:
    """Whether `received` holds a whole answer with a Content-Length."""
    head, separator, rest = received.partition(b"\r\n\r\n")
    if not separator:
        return False
    match = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    return bool(match) and len(rest) >= int(match.group(1))


class Probe:
    def __init__(self, args):
        self.args = args
        self.base = args.base_url
        self.failures: list[str] = []
        self.count = 0
        self.basic = vellum_http.basic(args.client_id, args.client_secret).encode()
        # Only what the server logs from now on is this probe's.
        self.log_offset = Path(args.server_log).stat().st_size if args.server_log else 0

    # --- checking -------------------------------------------------------------------------------

    def check(self, name: str, reply: Reply, allow_redirect: bool = False, curl: str = "", allow_ok: bool = False) -> None:
        self.count += 1
        problems = []
        status = reply.status
        if status is None:
            problems.append(f"no HTTP answer {reply.note}")
        elif 500 <= status:
            problems.append(f"answered {status}")
        elif 300 <= status < 400:
            location = reply.headers.get(b"location", b"")
            if not (allow_redirect and (b"error=" in location or location.startswith(b"/login?flow=")
                                        or location.startswith(b"/consent?flow="))):
                problems.append(f"answered {status} to {location[:120]!r}")
        elif status < 400 and not (allow_ok and status == 200):
            problems.append(f"accepted it with {status}")
        if DATABASE_WORDS.search(reply.body):
            problems.append(f"the body names internals: {DATABASE_WORDS.search(reply.body).group(0)!r}")
        content_type = reply.headers.get(b"content-type", b"-").decode("latin-1")
        line = f"{'ok ' if not problems else 'FAIL'} {name}: {status} {content_type} {reply.note}".rstrip()
        print(line, flush=True)
        if problems:
            detail = f"{name}: {'; '.join(problems)}; body {reply.body[:200]!r}"
            if curl:
                detail += f"\n    reproduce: {curl}"
            self.failures.append(detail)

    def post(self, name: str, path: str, body: bytes, content_type: bytes | None = FORM,
             extra: list[tuple[bytes, bytes]] = (), chunked: bool = False, basic: bool = False, allow_ok: bool = False) -> None:
        headers = list(extra)
        if content_type is not None:
            headers.append((b"Content-Type", content_type))
        if basic:
            headers.append((b"Authorization", self.basic))
        reply = raw_request(self.base, b"POST", path.encode(), headers, body, chunked)
        curl = ""
        if len(body) <= 300:
            hs = " ".join(f"-H {shell(n + b': ' + v)}" for n, v in headers)
            curl = f"curl -si {hs} --data-binary {shell(body)} {self.base}{path}"
        self.check(name, reply, curl=curl, allow_ok=allow_ok)

    def get(self, name: str, target: bytes, extra: list[tuple[bytes, bytes]] = (), allow_redirect: bool = False,
            allow_ok: bool = False) -> None:
        reply = raw_request(self.base, b"GET", target, list(extra))
        curl = ""
        if len(target) <= 400:
            hs = " ".join(f"-H {shell(n + b': ' + v)}" for n, v in extra)
            curl = f"curl -si {hs} {shell(self.base.encode() + target)}"
        self.check(name, reply, allow_redirect=allow_redirect, curl=curl, allow_ok=allow_ok)

    # --- the probes -----------------------------------------------------------------------------

    def oversized(self) -> None:
        big = b"a=" + b"x" * (TEN_MB - 2)
        for path in ["/token", "/introspect", "/revoke", "/login", "/consent", "/logout"]:
            self.post(f"10 MB form body to {path}", path, big)
        self.post("10 MB form body to /token, chunked", "/token", big, chunked=True)
        self.post("10 MB form body to /login, chunked", "/login", big, chunked=True)
        self.post("10 MB form body to /token with Basic", "/token", big, basic=True)
        self.post("10 MB body, no content type, to /token", "/token", big, content_type=None)
        self.post("10 MB body to /userinfo (ignored body)", "/userinfo", big)
        self.post("10 MB of one field (code) to /token", "/token",
                  b"grant_type=authorization_code&code=" + b"c" * TEN_MB, basic=True)
        self.post("10,000 distinct parameters to /token", "/token",
                  b"&".join(b"p%d=v" % i for i in range(10000)) + b"&grant_type=refresh_token", basic=True)
        self.post("60 KB of repeats of one parameter to /token", "/token",
                  b"grant_type=refresh_token" + b"&a=" * 20000, basic=True)
        self.get("100 KB request line (/authorize)", b"/authorize?state=" + b"s" * 100_000)
        self.get("100 KB header", b"/token", [(b"X-Padding", b"p" * 100_000)])
        self.get("100 KB cookie on /authorize", b"/authorize?client_id=x", [(b"Cookie", b"vellum_session=" + b"c" * 100_000)])
        self.get("1,000 headers", b"/jwks.json", [(b"X-H%d" % i, b"v") for i in range(1000)])

    def nul_and_utf8(self) -> None:
        cid = self.args.client_id.encode()
        secret = self.args.client_secret.encode()
        bad_values = {"NUL": b"a%00b", "invalid UTF-8": b"a%ff%feb", "lone surrogate (CESU)": b"a%ed%a0%80b",
                      "overlong UTF-8": b"a%c0%afb", "control chars": b"a%01%1b%7fb"}
        for label, value in bad_values.items():
            # The client id reaches the database before any check.
            self.post(f"{label} in client_id (client_secret_post) on /token", "/token",
                      b"grant_type=authorization_code&code=x&client_id=" + value + b"&client_secret=" + secret)
            self.post(f"{label} in client_id (none) on /token", "/token",
                      b"grant_type=refresh_token&refresh_token=x&client_id=" + value)
            basic = b"Basic " + base64.b64encode(value + b":" + secret)
            self.post(f"{label} in the Basic client id on /token", "/token",
                      b"grant_type=authorization_code&code=x", extra=[(b"Authorization", basic)])
            self.post(f"{label} in client_id on /introspect", "/introspect", b"token=t&client_id=" + value)
            self.post(f"{label} in client_id on /revoke", "/revoke", b"token=t&client_id=" + value)
            self.post(f"{label} in the code on /token", "/token", b"grant_type=authorization_code&code=" + value, basic=True)
            self.post(f"{label} in the refresh token on /token", "/token", b"grant_type=refresh_token&refresh_token=" + value, basic=True)
            self.post(f"{label} in the scope on /token", "/token", b"grant_type=refresh_token&refresh_token=r&scope=" + value, basic=True)
            self.post(f"{label} in resource on /token", "/token", b"grant_type=refresh_token&refresh_token=r&resource=" + value, basic=True)
            self.post(f"{label} in redirect_uri and code_verifier on /token", "/token",
                      b"grant_type=authorization_code&code=c&redirect_uri=" + value + b"&code_verifier=" + value, basic=True)
            # A token that is no token is simply inactive (RFC 7662 §2.2) or nothing to revoke (RFC 7009 §2.2).
            self.post(f"{label} in the token on /introspect", "/introspect", b"token=" + value, basic=True, allow_ok=True)
            self.post(f"{label} in a JWT-shaped token on /introspect", "/introspect", b"token=a." + value + b".c", basic=True,
                      allow_ok=True)
            self.post(f"{label} in the token on /revoke", "/revoke", b"token=" + value, basic=True, allow_ok=True)
            self.post(f"{label} in token_type_hint on /revoke", "/revoke", b"token=t&token_type_hint=" + value, basic=True)
            self.post(f"{label} in grant_type on /token", "/token", b"grant_type=" + value, basic=True)
            self.get(f"{label} in client_id on /authorize", b"/authorize?response_type=code&client_id=" + value)
            # An unknown client on the sign-out page: the page, without a redirect.
            self.get(f"{label} in client_id on /logout", b"/logout?client_id=" + value, allow_ok=True)
            self.get(f"{label} in post_logout_redirect_uri on /logout", b"/logout?post_logout_redirect_uri=" + value)
            self.get(f"{label} in id_token_hint on /logout", b"/logout?id_token_hint=" + value)
            self.get(f"{label} in flow on /login", b"/login?flow=" + value)
            self.get(f"{label} in flow on /consent", b"/consent?flow=" + value, [(b"Cookie", b"vellum_csrf=n")])
            self.get(f"{label} in the session cookie on /authorize", b"/authorize?client_id=" + cid + b"&response_type=code",
                     [(b"Cookie", b"vellum_session=" + value)], allow_redirect=True)
            self.get(f"{label} in the bearer token on /userinfo", b"/userinfo", [(b"Authorization", b"Bearer a." + value + b".c")])
            # With the client and redirect URI trusted, the rest is validated (or carried) by /authorize.
            for name in [b"state", b"nonce", b"scope", b"resource", b"prompt", b"max_age", b"login_hint",
                         b"code_challenge", b"code_challenge_method", b"redirect_uri"]:
                self.get(f"{label} in {name.decode()} on /authorize (valid client)",
                         b"/authorize?response_type=code&client_id=" + cid + b"&" + name + b"=" + value, allow_redirect=True)
        # Raw (not percent-encoded) invalid UTF-8 and NUL in bodies, queries and headers.
        self.post("raw 0xff bytes in the /token body", "/token", b"grant_type=refresh_token&refresh_token=\xff\xfe&client_id=\xff")
        self.post("raw NUL bytes in the /token body", "/token", b"grant_type=refresh_token&refresh_token=\x00&client_id=a\x00b")
        self.post("raw NUL in a parameter name", "/token", b"grant_\x00type=refresh_token", basic=True)
        self.get("raw 0xff in the query of /authorize", b"/authorize?client_id=\xff\xfe&response_type=code")
        self.get("raw 0xff in the path", b"/\xff\xfe")
        self.get("raw NUL in the query", b"/authorize?client_id=a\x00b")
        self.post("Basic credentials of raw invalid UTF-8", "/token", b"grant_type=refresh_token&refresh_token=r",
                  extra=[(b"Authorization", b"Basic " + base64.b64encode(b"\xff\xfe:\xff"))])
        self.post("Basic credentials with NUL", "/token", b"grant_type=refresh_token&refresh_token=r",
                  extra=[(b"Authorization", b"Basic " + base64.b64encode(b"a\x00b:c\x00d"))])
        self.post("Basic that is not base64", "/token", b"grant_type=refresh_token&refresh_token=r",
                  extra=[(b"Authorization", b"Basic !!!***")])
        self.post("Basic without a colon", "/token", b"grant_type=refresh_token&refresh_token=r",
                  extra=[(b"Authorization", b"Basic " + base64.b64encode(b"nocolon"))])
        self.post("Basic with a 60 KB client id", "/token", b"grant_type=refresh_token&refresh_token=r",
                  extra=[(b"Authorization", b"Basic " + base64.b64encode(b"c" * 45000 + b":s"))])
        self.post("invalid UTF-8 in the User-Agent and X-Request-Id", "/token", b"grant_type=refresh_token&refresh_token=r",
                  extra=[(b"User-Agent", b"\xff\xfe"), (b"X-Request-Id", b"\xc3\x28")], basic=True)
        self.get("invalid UTF-8 in the User-Agent of an /authorize that starts a flow",
                 b"/authorize?response_type=code&client_id=" + cid, [(b"User-Agent", b"\xff\xfe\x80"), (b"X-Request-Id", b"\xed\xa0\x80")],
                 allow_redirect=True)
        self.get("NUL in the User-Agent", b"/authorize?response_type=code&client_id=" + cid, [(b"User-Agent", b"a\x00b")],
                 allow_redirect=True)

    def malformed_encoding(self) -> None:
        for label, body in {"%zz": b"grant_type=refresh_token&refresh_token=%zz", "a trailing %": b"grant_type=refresh_token&refresh_token=%",
                            "%%": b"grant_type=%%&client_id=%%", "only separators": b"&&&===&&",
                            "a name without value": b"grant_type", "an empty name": b"=x&=y"}.items():
            self.post(f"malformed percent-encoding ({label}) on /token", "/token", body, basic=True)
        self.get("malformed percent-encoding on /authorize", b"/authorize?client_id=%zz&response_type=%")

    def duplicates(self) -> None:
        cid = self.args.client_id.encode()
        secret = self.args.client_secret.encode()
        self.post("grant_type twice", "/token", b"grant_type=refresh_token&grant_type=authorization_code&code=x", basic=True)
        self.post("grant_type twice, same value", "/token", b"grant_type=refresh_token&grant_type=refresh_token&refresh_token=r", basic=True)
        self.post("client_id twice (client_secret_post)", "/token",
                  b"grant_type=refresh_token&refresh_token=r&client_id=" + cid + b"&client_id=" + cid + b"&client_secret=" + secret)
        self.post("client_secret twice", "/token",
                  b"grant_type=refresh_token&refresh_token=r&client_id=" + cid + b"&client_secret=" + secret + b"&client_secret=x")
        self.post("code twice", "/token", b"grant_type=authorization_code&code=a&code=b", basic=True)
        self.post("refresh_token twice", "/token", b"grant_type=refresh_token&refresh_token=a&refresh_token=b", basic=True)
        self.post("token twice on /introspect", "/introspect", b"token=a&token=b", basic=True)
        self.post("token twice on /revoke", "/revoke", b"token=a&token=b", basic=True)
        self.post("Basic and client_secret", "/token", b"grant_type=refresh_token&refresh_token=r&client_secret=" + secret, basic=True)
        self.post("Basic and another client_id", "/token", b"grant_type=refresh_token&refresh_token=r&client_id=other", basic=True)
        self.post("username twice on /login", "/login", b"flow=00000000-0000-4000-8000-000000000000&username=a&username=b")
        self.get("client_id twice on /authorize", b"/authorize?response_type=code&client_id=" + cid + b"&client_id=" + cid)
        self.get("state twice on /authorize", b"/authorize?response_type=code&client_id=" + cid + b"&state=a&state=b",
                 allow_redirect=True)
        self.get("response_type twice on /authorize", b"/authorize?response_type=code&response_type=code&client_id=" + cid,
                 allow_redirect=True)
        self.get("flow twice on /login", b"/login?flow=00000000-0000-4000-8000-000000000000&flow=00000000-0000-4000-8000-000000000001")
        self.post("two Authorization headers", "/token", b"grant_type=refresh_token&refresh_token=r",
                  extra=[(b"Authorization", self.basic), (b"Authorization", b"Basic eDp5")])
        self.post("two Content-Type headers", "/token", b"grant_type=refresh_token&refresh_token=r",
                  extra=[(b"Content-Type", b"application/json")], basic=True)

    def json_bodies(self) -> None:
        deep = b"[" * 100_000 + b"]" * 100_000
        deep_object = b'{"a":' * 50_000 + b"1" + b"}" * 50_000
        huge = b'{"grant_type":"' + b"x" * TEN_MB + b'"}'
        for path in ["/token", "/introspect", "/revoke", "/login", "/consent", "/logout", "/userinfo"]:
            self.post(f"deeply nested JSON array to {path}", path, deep, content_type=b"application/json", basic=path != "/userinfo")
        for path in ["/token", "/login"]:
            self.post(f"deeply nested JSON object to {path}", path, deep_object, content_type=b"application/json")
            self.post(f"10 MB JSON to {path}", path, huge, content_type=b"application/json")
        self.post("JSON with the form's fields to /token", "/token", b'{"grant_type":"refresh_token","refresh_token":"r"}',
                  content_type=b"application/json", basic=True)
        self.post("deep JSON labelled as a form to /token", "/token", deep, basic=True)
        for content_type in [b"multipart/form-data; boundary=x", b"text/plain", b"application/x-www-form-urlencoded; charset=utf-16",
                             b"APPLICATION/X-WWW-FORM-URLENCODED", b"\xff\xfe", b""]:
            self.post(f"content type {content_type!r} on /token", "/token", b"grant_type=refresh_token&refresh_token=r",
                      content_type=content_type, basic=True)
        self.post("UTF-16 body on /token", "/token", "grant_type=refresh_token&refresh_token=r".encode("utf-16"), basic=True)

    def flows(self) -> None:
        """The browser steps with NUL and invalid UTF-8 where a real flow reaches the database."""
        args = self.args
        for label, username in {"NUL": "al\x00ice", "invalid UTF-8 (percent-encoded)": None, "control chars": "a\x01\x1b"}.items():
            browser = vellum_http.Client(self.base)
            flow, page, _ = vellum_http.start_flow(browser, args.client_id, args.redirect_uri)
            csrf = vellum_http.hidden(page, "csrf_token").encode()
            if username is None:
                body = b"flow=" + flow.encode() + b"&csrf_token=" + csrf + b"&username=al%ff%feice&password=x%ffy"
            else:
                body = urllib.parse.urlencode({"flow": flow, "csrf_token": csrf, "username": username, "password": "x\x00y"}).encode()
            cookies = "; ".join(f"{k}={v}" for k, v in browser.cookies.items()).encode()
            self.post(f"{label} in the username and password on POST /login (live flow)", "/login", body,
                      extra=[(b"Cookie", cookies)])
        # A whole flow whose state, nonce and login_hint carry NUL and invalid UTF-8: every step must work
        # (or refuse cleanly), and the server's log must not report a database error afterwards.
        browser = vellum_http.Client(self.base)
        verifier, challenge = vellum_http.pkce_pair()
        query = (b"/authorize?response_type=code&scope=openid%20profile&client_id=" + args.client_id.encode() +
                 b"&state=s%00t%ff&nonce=n%00o%c0%af&login_hint=h%00&code_challenge=" + challenge.encode() +
                 b"&code_challenge_method=S256")
        answer = browser.get(query.decode("latin-1"))
        location = answer.header("location") or ""
        self.check("NUL in state/nonce/login_hint: /authorize", Reply(answer.status, {b"location": location.encode()}, answer.body),
                   allow_redirect=True)
        if location.startswith("/login?flow="):
            page = browser.get(location)
            flow = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["flow"][0]
            login = browser.post_form("/login", {"flow": flow, "csrf_token": vellum_http.hidden(page.text, "csrf_token"),
                                                 "username": args.username, "password": args.password})
            consent = browser.get(login.header("location") or "/")
            self.count += 1
            print(f"{'ok ' if consent.status == 200 else 'FAIL'} NUL in state/nonce: login and the consent page: "
                  f"{login.status}, {consent.status}", flush=True)
            if consent.status != 200:
                self.failures.append(f"a flow with NUL in state and nonce: login {login.status}, consent page {consent.status}")
                return
            allow = browser.post_form("/consent", {"flow": flow, "csrf_token": vellum_http.hidden(consent.text, "csrf_token"),
                                                   "decision": "allow"})
            redirect = allow.header("location") or ""
            code = urllib.parse.parse_qs(urllib.parse.urlsplit(redirect).query).get("code", [None])[0]
            token = vellum_http.Client(self.base).post_form(
                "/token", {"grant_type": "authorization_code", "code": code or "", "code_verifier": verifier},
                headers={"Authorization": vellum_http.basic(args.client_id, args.client_secret)})
            self.count += 1
            ok = token.status == 200 and b"id_token" in token.body
            print(f"{'ok ' if ok else 'FAIL'} NUL in state/nonce: the code redeems: {token.status}", flush=True)
            if not ok:
                self.failures.append(f"a flow with NUL in state and nonce did not end in tokens: {token.status} {token.body[:200]!r}")

    def server_log(self) -> None:
        if not self.args.server_log:
            return
        time.sleep(3)  # the catch-up projections (audit index, sealer) run every second
        with open(self.args.server_log, "rb") as log:
            log.seek(self.log_offset)
            text = log.read().decode("utf-8", "replace")
        errors = [line for line in text.splitlines() if "PSQLError" in line or " error vellum" in line or "critical" in line]
        self.count += 1
        print(f"{'ok ' if not errors else 'FAIL'} the server logged no error (a database error) meanwhile: {len(errors)} error lines",
              flush=True)
        if errors:
            kinds = sorted({re.sub(r"^\S+ ", "", line)[:300] for line in errors})
            self.failures.append("the server logged errors:\n      " + "\n      ".join(kinds[:20]))


def shell(value: bytes) -> str:
    """A bash $'…' literal of `value`."""
    out = []
    for byte in value:
        char = chr(byte)
        if char == "'" or char == "\\":
            out.append("\\" + char)
        elif 0x20 <= byte < 0x7f:
            out.append(char)
        else:
            out.append(f"\\x{byte:02x}")
    return "$'" + "".join(out) + "'"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--redirect-uri", default="https://app.example/cb")
    parser.add_argument("--server-log", help="the server's log: any error line (a database error) fails the run")
    args = parser.parse_args()
    probe = Probe(args)
    for step in [probe.oversized, probe.nul_and_utf8, probe.malformed_encoding, probe.duplicates, probe.json_bodies,
                 probe.flows, probe.server_log]:
        try:
            step()
        except Exception as error:  # a probe that could not run is a failure too
            probe.failures.append(f"{step.__name__} stopped: {type(error).__name__}: {error}")
            print(f"FAIL {step.__name__} stopped: {error!r}", flush=True)
    print(f"\nmalformed input: {probe.count} probes, {len(probe.failures)} failed")
    for failure in probe.failures:
        print(f"  - {failure}")
    return 1 if probe.failures else 0


if __name__ == "__main__":
    sys.exit(main())
