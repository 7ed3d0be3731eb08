#!/usr/bin/env python3
"""End-to-end test of Vellum's front channel in headless Chromium.

What it proves: a real browser gets from /authorize through the login and consent pages back
to the client's redirect_uri -- on Deny (error=access_denied), on Allow (a code that redeems at
/token for an access token and an id_token) and, with remembered consent, straight after the
login form post -- and a bad client_id shows an error page instead of redirecting.

Why a real browser: Chromium applies the page's CSP `form-action` not only to the form's own
action but to the redirect that follows the form post. A 303 from POST /consent (or POST /login)
to the client is blocked unless `form-action` admits the redirect target; the browser then stays
on the page and reports the violation on its console. HTTP-level tests cannot see this.

Usage:
    python3 Tests/Browser/consent_flow.py --vellum .build/debug/vellum --work-dir /tmp/vb \
        [--screenshots DIR]

Needs chromium, chromedriver and selenium (scripts/ensure-browser). DIR/data is recreated on
every run; as root the embedded PostgreSQL runs as `postgres`, so DIR and its parents must be
traversable by that account (e.g. under /tmp).
"""
import argparse, base64, hashlib, http.server, json, os, secrets, shutil, signal, socket
import subprocess, sys, threading, time, urllib.error, urllib.parse, urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

PASSWORD = "correct horse battery staple"
SCOPE = "openid profile email"
WAIT = 10  # seconds for any page or redirect


class Failure(Exception):
    """A check did not hold: what was expected and what was found."""
    def __init__(self, expected, found):
        super().__init__(f"expected: {expected}\n    found:    {found}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Listener:
    """The client's redirect_uri: records the query of every GET /cb."""
    def __init__(self):
        self.hits, self.cond = [], threading.Condition()
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                if url.path == "/cb":
                    with listener.cond:
                        listener.hits.append(dict(urllib.parse.parse_qsl(url.query)))
                        listener.cond.notify_all()
                body = b"<!doctype html><title>client</title><p>client received the redirect</p>"
                self.send_response(200 if url.path == "/cb" else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/cb"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, state, timeout=WAIT):
        """The query of the first GET /cb carrying `state`, or None after `timeout` seconds."""
        with self.cond:
            self.cond.wait_for(lambda: any(h.get("state") == state for h in self.hits), timeout)
            return next((h for h in self.hits if h.get("state") == state), None)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Harness:
    def __init__(self, args):
        self.vellum, self.work = os.path.abspath(args.vellum), os.path.abspath(args.work_dir)
        self.data, self.shots = os.path.join(self.work, "data"), args.screenshots
        self.serve = self.listener = self.driver = None

    # -- set-up and tear-down --------------------------------------------------------------
    def start(self):
        os.makedirs(self.work, exist_ok=True)
        os.chmod(self.work, 0o755)
        shutil.rmtree(self.data, ignore_errors=True)
        if self.shots:
            os.makedirs(self.shots, exist_ok=True)
        port = free_port()
        self.issuer = f"http://127.0.0.1:{port}"
        self.log = open(os.path.join(self.work, "serve.log"), "wb")
        env = dict(os.environ, VELLUM_LOG_LEVEL="error")
        self.serve = subprocess.Popen([self.vellum, "serve", "--port", str(port), "--data-dir", self.data],
                                      stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 60
        while self.status(self.issuer + "/readyz") != 200:
            if self.serve.poll() is not None or time.monotonic() > deadline:
                raise Failure("GET /readyz -> 200 within 60 s", f"vellum serve exit code {self.serve.poll()}; "
                              f"log:\n{open(self.log.name, errors='replace').read()[-2000:]}")
            time.sleep(0.5)
        self.listener = Listener()
        client = json.loads(self.cli(["clients", "create", "--name", "Acme Dashboard", "--redirect-uri",
                                      self.listener.url, "--scope", SCOPE, "--json"]))
        self.client_id, self.client_secret = client["client_id"], client["client_secret"]
        self.cli(["users", "create", "--username", "alice", "--password-stdin"], stdin=PASSWORD + "\n")

    def stop(self):
        try:
            if self.driver:
                self.driver.quit()
            if self.listener:
                self.listener.stop()
        finally:
            if self.serve and self.serve.poll() is None:
                self.serve.send_signal(signal.SIGINT)  # graceful: also stops the embedded PostgreSQL
                try:
                    self.serve.wait(20)
                except subprocess.TimeoutExpired:
                    self.serve.kill()
                    self.serve.wait()
            if self.serve:
                self.log.close()

    def cli(self, argv, stdin=None):
        run = subprocess.run([self.vellum, *argv, "--data-dir", self.data], input=stdin, text=True,
                             capture_output=True, timeout=60)
        if run.returncode != 0:
            raise Failure(f"vellum {' '.join(argv[:2])} to succeed", f"exit {run.returncode}: {run.stderr.strip()}")
        return run.stdout

    @staticmethod
    def status(url):
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status
        except urllib.error.HTTPError as e:
            return e.code
        except OSError:
            return None

    # -- browser ---------------------------------------------------------------------------
    def fresh_browser(self):
        """A new Chromium with an empty profile, so no session cookie survives a scenario."""
        if self.driver:
            self.driver, old = None, self.driver
            old.quit()
        options = webdriver.ChromeOptions()
        for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1000,1100"):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        chromedriver = shutil.which("chromedriver")  # explicit, so Selenium Manager never downloads one
        if not chromedriver:
            raise Failure("chromedriver on PATH", "none (run scripts/ensure-browser)")
        self.driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
        return self.driver

    def screenshot(self, name):
        if self.shots:
            self.driver.save_screenshot(os.path.join(self.shots, name))

    def wait_for(self, locator, what):
        try:
            return WebDriverWait(self.driver, WAIT).until(EC.presence_of_element_located(locator))
        except Exception:
            raise Failure(what, f"not there after {WAIT} s") from None

    def authorize_and_login(self, login_shot=None):
        """Opens /authorize with a fresh state and PKCE pair and signs in; returns (state, verifier)."""
        state, verifier = secrets.token_urlsafe(16), secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        query = urllib.parse.urlencode({
            "response_type": "code", "client_id": self.client_id, "redirect_uri": self.listener.url,
            "scope": SCOPE, "state": state, "code_challenge": challenge, "code_challenge_method": "S256",
            "nonce": "n1"}, quote_via=urllib.parse.quote)
        self.driver.get(f"{self.issuer}/authorize?{query}")
        self.wait_for((By.NAME, "username"), "the login page (input name=username)").send_keys("alice")
        password = self.wait_for((By.NAME, "password"), "the login page (input name=password)")
        if login_shot:
            self.screenshot(login_shot)
        password.send_keys(PASSWORD, Keys.ENTER)
        return state, verifier

    def consent(self, decision, remember=False, shot=None):
        button = self.wait_for((By.CSS_SELECTOR, f'button[name="decision"][value="{decision}"]'),
                               f"the consent page (button name=decision value={decision})")
        boxes = self.driver.find_elements(By.NAME, "remember")
        if remember and boxes and not boxes[0].is_selected():
            boxes[0].click()
        if shot:
            self.screenshot(shot)
        button.click()

    def client_received(self, state, step):
        """The query of the redirect the client got for `state`, with checks common to every result."""
        hit = self.listener.wait_for(state)
        if hit is None:
            raise Failure(f"{step}: GET {self.listener.url}?...&state={state} within {WAIT} s",
                          "the client received nothing (the browser did not follow the redirect)")
        if hit.get("iss") != self.issuer:
            raise Failure(f"iss={self.issuer}", f"iss={hit.get('iss')!r} in {hit}")
        try:
            WebDriverWait(self.driver, WAIT).until(lambda d: d.current_url.startswith(self.listener.url))
        except Exception:
            raise Failure(f"the browser to end at {self.listener.url}", "it did not") from None
        return hit

    def redeem(self, code, verifier):
        form = urllib.parse.urlencode({"grant_type": "authorization_code", "code": code,
                                       "redirect_uri": self.listener.url, "code_verifier": verifier}).encode()
        basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        request = urllib.request.Request(self.issuer + "/token", data=form, headers={
            "Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, body = response.status, response.read().decode()
        except urllib.error.HTTPError as e:
            status, body = e.code, e.read().decode(errors="replace")
        tokens = json.loads(body) if status == 200 else {}
        jwt = lambda t: isinstance(t, str) and len(t.split(".")) == 3
        if not (jwt(tokens.get("access_token")) and str(tokens.get("token_type")).lower() == "bearer"
                and jwt(tokens.get("id_token"))):
            raise Failure("POST /token -> 200 with a JWT access_token, token_type Bearer and an id_token",
                          f"{status} {body[:500]}")

    # -- scenarios -------------------------------------------------------------------------
    def deny(self):
        self.fresh_browser()
        state, _ = self.authorize_and_login(login_shot="login.png")
        self.consent("deny", shot="consent.png")
        hit = self.client_received(state, "Deny -> client")
        if hit.get("error") != "access_denied" or "code" in hit:
            raise Failure("error=access_denied and no code", str(hit))

    def allow(self):
        self.fresh_browser()
        state, verifier = self.authorize_and_login()
        self.consent("allow", remember=True)
        hit = self.client_received(state, "Allow -> client")
        if "code" not in hit:
            raise Failure("a code", str(hit))
        self.redeem(hit["code"], verifier)

    def remembered(self):
        self.fresh_browser()
        state, verifier = self.authorize_and_login()
        hit = self.client_received(state, "remembered consent: POST /login -> client")
        if "code" not in hit:
            raise Failure("a code", str(hit))
        self.redeem(hit["code"], verifier)

    def error_page(self):
        self.fresh_browser()
        url = f"{self.issuer}/authorize?client_id=nope&response_type=code"
        no_redirect = urllib.request.build_opener(type("NoRedirect", (urllib.request.HTTPRedirectHandler,),
                                                       {"redirect_request": lambda *a: None}))
        try:
            status, location = no_redirect.open(url, timeout=10).status, None
        except urllib.error.HTTPError as e:
            status, location = e.code, e.headers.get("Location")
        if status != 400 or location:
            raise Failure("400 and no Location", f"{status}, Location {location!r}")
        self.driver.get(url)
        self.wait_for((By.TAG_NAME, "body"), "an error page")
        if not self.driver.current_url.startswith(self.issuer + "/authorize"):
            raise Failure(f"the browser to stay on {self.issuer}/authorize", self.driver.current_url)
        self.screenshot("error.png")

    def report(self, name, error):
        print(f"FAIL {name}\n    {error}")
        if self.driver:
            try:
                print(f"    browser URL:   {self.driver.current_url}\n    page title:    {self.driver.title!r}")
                log = self.driver.get_log("browser")
                print("    browser console:" + ("" if log else " (empty)"))
                for entry in log:
                    print(f"      [{entry['level']}] {entry['message']}")
            except Exception as e:  # the browser itself may be gone
                print(f"    (browser state unavailable: {e})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vellum", required=True, help="path to the vellum binary")
    parser.add_argument("--work-dir", required=True, help="scratch directory (DIR/data is recreated)")
    parser.add_argument("--screenshots", help="directory for login.png, consent.png, error.png")
    harness = Harness(parser.parse_args())
    scenarios = [("deny: consent Deny -> client gets error=access_denied", harness.deny),
                 ("allow: consent Allow -> client gets a code that redeems for tokens", harness.allow),
                 ("remembered: login -> client gets a code without the consent page", harness.remembered),
                 ("error page: unknown client_id -> 400 page, no redirect", harness.error_page)]
    passed = failed = 0
    try:
        harness.start()
        for name, scenario in scenarios:
            try:
                scenario()
                print(f"ok   {name}")
                passed += 1
            except Exception as e:
                harness.report(name, e if isinstance(e, Failure) else f"{type(e).__name__}: {e}")
                failed += 1
    except Exception as e:
        print(f"FAIL set-up\n    {e}")
        failed = len(scenarios) - passed
    finally:
        harness.stop()
    print(f"browser: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
