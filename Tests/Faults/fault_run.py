#!/usr/bin/env python3
"""Fault injection against two live `vellum serve` instances under load (issue 11, item 1).

Two instances share one `--data-dir` (A starts the embedded PostgreSQL cluster, B joins it; the
same master key, DATA/master.key, and the same issuer). Eight virtual users, each with a browser
session of its own (one password login) and a remembered consent, loop authorize -> token
(client_secret_basic, PKCE S256) against them, half on each, while these faults are injected one
after the other with a few seconds of steady load in between:

  1. kill A      SIGKILL of instance A -- the one that started the cluster -- under load. PostgreSQL
                 must survive it (it runs in a session of its own). A's workers fail over to B
                 (connection refused is counted apart: not an answer; a request in flight on A is
                 "lost with the instance") until A, restarted on the same port, is ready.
  2. pg restart  `pg_ctl restart -m fast`.
  3. pg down     `pg_ctl stop -m fast`, the database down for --db-down seconds (3), `pg_ctl start`.
  4. exhaustion  max_connections reached: idle sessions as a non-superuser (vellum_server, over the
                 wire protocol) take every slot but the superusers' reserve; halfway through, the
                 instances' own sessions are terminated (as the superuser, on a reserved slot), so
                 their pools must reconnect into a full server; then the slots are released.
  5. disk full   B's VELLUM_CHECKPOINT_FILE lives on a 1 MiB tmpfs mounted for the run; it is filled
                 for --disk-hold seconds (5), then emptied. Sealing must go on in the database, B
                 must log the failed shipping and answer as before, and its file must catch up.
                 (Where no tmpfs can be mounted -- not root -- B's file is /dev/full for the whole run.)

Judged during the run: every request of the load answered within VELLUM_REQUEST_TIMEOUT (5 s) + 1 s
with 2xx/3xx, a 4xx its flow explains (invalid_grant for a code whose first redemption's answer was
lost), or 503 with Retry-After; never another 5xx; no 503 at all in the steady load between faults
(both instances said ready again), unless the request was in flight when the next fault began.
/readyz of both instances, polled every 20 ms, must turn 503 after the database goes away within
--readyz-limit (1 s), and 200 after it is back within that limit plus the wait the pool's reconnection
backoff may have reached while the database refused it (pool_reconnect_backoff: 0.93 s after 4 s,
1.8 s after 8 s); the database's instants come from its own log.

Judged afterwards (load stopped, both instances up): one authorize -> token on each instance; every
access token a client received introspects active; every code and token it received is in the log
(the code's hash in AuthorizationCodeIssued, the token's jti in TokensIssued) in a flow that reads
AuthorizationRequested, UserAuthenticated, ConsentGranted, AuthorizationCodeIssued,
AuthorizationCodeRedeemed, TokensIssued; no flow is half-written (a flow started from a session
holds its first four events or none; every AuthorizationCodeRedeemed is followed by TokensIssued);
each instance's checkpoint file reaches the database's last checkpoint (both ship every one);
`vellum-audit verify --checkpoints` passes against each file; `vellum projections rebuild --verify`
finds the projections equal to the log. Then both instances get SIGTERM and must exit 0 within
--stop-grace seconds (an instance that does not is diagnosed -- its sessions in pg_stat_activity,
its threads with gdb, into DATA/diagnostics-<name>.txt -- and killed), and no process of the
cluster may survive them.

Usage: python3 Tests/Faults/fault_run.py [--bin-dir .build/debug] [--keep]   (scripts/fault-run)
Exit 0 when everything held, 1 otherwise (the data directory and the servers' logs are then kept),
2 on a setup error. Standard library only (the HTTP helpers of Tests/Fuzz/vellum_http.py).
"""

from __future__ import annotations

import argparse
import base64
import collections
import datetime
import errno
import hashlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "Tests", "Fuzz"))
from vellum_http import Answer, Client, basic, hidden, pkce_pair  # noqa: E402

REDIRECT_URI = "https://app.example/cb"
SCOPE = "openid profile"
PASSWORD = "correct horse battery staple"
T0 = time.monotonic()
WALL_AT_T0 = time.time()


def now() -> float:
    """Seconds since the run started (monotonic)."""
    return time.monotonic() - T0


LOG_LOCK = threading.Lock()


def log(message: str) -> None:
    with LOG_LOCK:
        print(f"[{now():7.2f}] {message}", flush=True)


class SetupError(Exception):
    pass


# --------------------------------------------------------------------------------------------
# PostgreSQL: the cluster's commands, a minimal wire-protocol client (startup only), psql.
# --------------------------------------------------------------------------------------------

def postgres_bin_dir() -> str:
    """The directory of pg_ctl, psql (the server's version), as vellum finds it: PATH, then
    /usr/lib/postgresql/*/bin, newest first."""
    candidates = []
    found = shutil.which("pg_ctl")
    if found:
        candidates.append(os.path.dirname(os.path.realpath(found)))
    try:
        versions = sorted(os.listdir("/usr/lib/postgresql"), key=lambda v: int(v) if v.isdigit() else 0, reverse=True)
        candidates += [f"/usr/lib/postgresql/{v}/bin" for v in versions]
    except FileNotFoundError:
        pass
    for directory in candidates:
        if all(os.access(os.path.join(directory, tool), os.X_OK) for tool in ("pg_ctl", "psql")):
            return directory
    raise SetupError("pg_ctl and psql not found (PATH, /usr/lib/postgresql/*/bin): run scripts/ensure-postgres")


def startup_probe(socket_path: str, user: str, database: str = "vellum", application_name: str = "vellum-fault-run",
                  keep: bool = False, timeout: float = 2.0):
    """Opens a session (trust authentication) on the Unix socket. Returns ("ok", socket or None),
    ("refused", SQLSTATE and message) when the server answered with an error (53300: no slot
    left, 57P03: starting up or shutting down), or ("down", reason) when it could not be reached."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(socket_path)
        params = b"".join(k.encode() + b"\0" + v.encode() + b"\0" for k, v in
                          (("user", user), ("database", database), ("application_name", application_name))) + b"\0"
        sock.sendall(struct.pack("!ii", 8 + len(params), 196608) + params)
        buffer = b""

        def read(n: int) -> bytes:
            nonlocal buffer
            while len(buffer) < n:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("closed during startup")
                buffer += chunk
            data, buffer = buffer[:n], buffer[n:]
            return data

        while True:
            kind = read(1)
            length = struct.unpack("!i", read(4))[0]
            body = read(length - 4)
            if kind == b"R":
                if struct.unpack("!i", body[:4])[0] != 0:
                    sock.close()
                    return "refused", "authentication required (the run expects trust on the socket)"
            elif kind == b"E":
                fields = {f[:1]: f[1:].decode("utf-8", "replace") for f in body.split(b"\0") if f}
                sock.close()
                return "refused", f"{fields.get(b'C', '?')} {fields.get(b'M', '')}"
            elif kind == b"Z":
                if keep:
                    sock.settimeout(None)
                    return "ok", sock
                sock.sendall(b"X\0\0\0\4")
                sock.close()
                return "ok", None
    except (OSError, ConnectionError) as error:
        sock.close()
        return "down", str(error)


class Cluster:
    """The embedded cluster of a data directory, driven from outside as its owner would."""

    def __init__(self, data_dir: str):
        self.data_dir = data_dir
        self.directory = os.path.join(data_dir, "postgres")
        self.socket_path = os.path.join(self.directory, ".s.PGSQL.5432")
        self.bin = postgres_bin_dir()
        # As root the cluster runs as postgres (vellum's ClusterCommand: runuser, in a session of its own).
        self.prefix = ["/usr/bin/setsid", "--wait"]
        if os.geteuid() == 0:
            self.prefix += ["/usr/sbin/runuser", "-u", "postgres", "--"]

    def pg_ctl(self, *arguments: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(self.prefix + [os.path.join(self.bin, "pg_ctl"), "-D", self.directory, *arguments],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=timeout, text=True)

    def psql(self, sql: str, timeout: float = 20) -> str:
        """Runs `sql` as the cluster's superuser (it keeps a reserved slot when the others are full)."""
        result = subprocess.run([os.path.join(self.bin, "psql"), "-h", self.directory, "-U", "vellum", "-d", "vellum",
                                 "-AtXq", "-v", "ON_ERROR_STOP=1", "-c", sql],
                                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"psql failed: {result.stderr.strip()}")
        return result.stdout.strip()

    def postmaster_pid(self) -> int | None:
        try:
            with open(os.path.join(self.directory, "postmaster.pid")) as f:
                return int(f.readline().strip())
        except (FileNotFoundError, ValueError):
            return None

    @property
    def log_path(self) -> str:
        return os.path.join(self.directory, "server.log")

    def log_size(self) -> int:
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def log_time(self, offset: int, needle: str) -> float | None:
        """When PostgreSQL logged `needle` (first time after byte `offset` of its log), in run
        time: its log lines carry milliseconds (log_line_prefix '%m')."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                lines = f.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return None
        for line in lines:
            if needle not in line:
                continue
            try:
                stamp = datetime.datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S.%f")
            except ValueError:
                return None
            zone = line[24:].split(" ", 1)[0]
            if zone in ("UTC", "GMT"):
                offset_hours = 0
            elif re.fullmatch(r"[+-]\d\d", zone):
                offset_hours = int(zone)
            else:
                return None
            wall = stamp.replace(tzinfo=datetime.timezone(datetime.timedelta(hours=offset_hours))).timestamp()
            return wall - WALL_AT_T0
        return None

    def accepts(self) -> bool:
        return startup_probe(self.socket_path, "vellum_server", timeout=1.0)[0] == "ok"

    def processes(self) -> list[int]:
        """Every live process of this cluster: the postmaster (its command line names the
        directory) and its children."""
        postmasters, parents = set(), {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    cmdline = f.read().split(b"\0")
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
                parents[int(entry)] = int(stat[stat.rindex(")") + 2:].split()[1])
            except (FileNotFoundError, ProcessLookupError, PermissionError, ValueError):
                continue
            if cmdline and os.path.basename(cmdline[0].decode(errors="replace")) in ("postgres", "postmaster") \
                    and self.directory.encode() in cmdline:
                postmasters.add(int(entry))
        return sorted(postmasters | {pid for pid, parent in parents.items() if parent in postmasters})


class ConnectionHog:
    """Takes every connection slot PostgreSQL gives a non-superuser, and keeps taking the slots
    that free up while it holds them."""

    def __init__(self, cluster: Cluster, role: str = "vellum_server"):
        self.cluster = cluster
        self.role = role
        self.sockets: list[socket.socket] = []
        self.refusals: collections.Counter = collections.Counter()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _take(self) -> bool:
        """Opens one more session; False once PostgreSQL refuses."""
        status, result = startup_probe(self.cluster.socket_path, self.role, application_name="vellum-fault-hog", keep=True)
        if status == "ok":
            self.sockets.append(result)
            return True
        self.refusals[result.split(" ", 1)[0] if status == "refused" else "down"] += 1
        if status == "refused" and not result.startswith("53300"):
            raise RuntimeError(f"PostgreSQL refused a connection for another reason: {result}")
        return False

    def fill(self, limit: int) -> int:
        while len(self.sockets) < limit and self._take():
            pass
        if len(self.sockets) >= limit:
            raise RuntimeError(f"PostgreSQL accepted {limit} connections without refusing one")
        self._thread = threading.Thread(target=self._keep_full, daemon=True, name="hog")
        self._thread.start()
        return len(self.sockets)

    def _keep_full(self) -> None:
        while not self._stop.is_set():
            try:
                while self._take():
                    pass
            except RuntimeError:
                pass
            self._stop.wait(0.005)

    def release(self) -> int:
        self._stop.set()
        if self._thread:
            self._thread.join()
        count = len(self.sockets)
        for sock in self.sockets:
            try:
                sock.sendall(b"X\0\0\0\4")
            except OSError:
                pass
            sock.close()
        self.sockets.clear()
        return count


# --------------------------------------------------------------------------------------------
# The instances.
# --------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_status(port: int, path: str, timeout: float = 2.0) -> int | str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    except ConnectionRefusedError:
        return "refused"
    except (OSError, http.client.HTTPException) as error:
        return f"error:{type(error).__name__}"
    finally:
        connection.close()


@dataclass
class Instance:
    name: str
    port: int
    checkpoint_file: str
    process: subprocess.Popen | None = None
    starts: int = 0
    logs: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Servers:
    def __init__(self, binary_dir: str, data_dir: str, issuer_port: int, request_timeout: float):
        self.vellum = os.path.join(binary_dir, "vellum")
        self.audit = os.path.join(binary_dir, "vellum-audit")
        self.data_dir = data_dir
        self.issuer = f"http://127.0.0.1:{issuer_port}"
        self.request_timeout = request_timeout
        self.log_dir = os.path.join(data_dir, "logs")
        os.makedirs(self.log_dir, exist_ok=True)

    def environment(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("VELLUM_")}
        env.update(extra)
        return env

    def start(self, instance: Instance) -> None:
        instance.starts += 1
        path = os.path.join(self.log_dir, f"{instance.name}-{instance.starts}.log")
        instance.logs.append(path)
        env = self.environment(VELLUM_LOG_FORMAT="json", VELLUM_ISSUER=self.issuer,
                               VELLUM_REQUEST_TIMEOUT=f"{self.request_timeout:g}",
                               VELLUM_CHECKPOINT_FILE=instance.checkpoint_file)
        with open(path, "wb") as output:
            # A session of its own: a Ctrl-C on the run reaches only this script, which stops them in order.
            instance.process = subprocess.Popen([self.vellum, "serve", "--data-dir", self.data_dir, "--port", str(instance.port)],
                                                stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, env=env,
                                                start_new_session=True)

    def wait_ready(self, instance: Instance, limit: float = 120) -> float:
        start = time.monotonic()
        while time.monotonic() - start < limit:
            if instance.process.poll() is not None:
                raise SetupError(f"instance {instance.name} exited ({instance.process.returncode}); log: {instance.logs[-1]}\n"
                                 + tail(instance.logs[-1]))
            if http_status(instance.port, "/readyz", timeout=1) == 200:
                return time.monotonic() - start
            time.sleep(0.05)
        raise SetupError(f"instance {instance.name} not ready within {limit} s; log: {instance.logs[-1]}")

    def stop(self, instance: Instance, grace: float = 60, on_timeout=None) -> int | None:
        process = instance.process
        if process is None or process.poll() is not None:
            return process.returncode if process else None
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            log(f"instance {instance.name} did not stop within {grace} s of SIGTERM")
            if on_timeout:
                on_timeout(instance)
            log(f"killing instance {instance.name}")
            process.kill()
            return process.wait()

    def cli(self, arguments: list[str], stdin: str | None = None, tool: str = "vellum", timeout: float = 120) -> subprocess.CompletedProcess:
        binary = self.vellum if tool == "vellum" else self.audit
        return subprocess.run([binary, *arguments, "--data-dir", self.data_dir], input=stdin, capture_output=True, text=True,
                              env=self.environment(), timeout=timeout)


def tail(path: str, lines: int = 15) -> str:
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except FileNotFoundError:
        return ""


# --------------------------------------------------------------------------------------------
# The load.
# --------------------------------------------------------------------------------------------

@dataclass
class Request:
    worker: int
    instance: str
    method: str
    path: str
    phase: str
    start: float
    duration: float = 0.0
    status: int | None = None
    retry_after: str | None = None
    request_id: str | None = None
    error: str | None = None          # refused, dropped, timeout, ...
    outcome: str = "ok"               # ok, unavailable, explained, refused, lost-with-instance, FAIL
    reason: str = ""


@dataclass
class Received:
    access_token: str
    jti: str
    code_hash: str
    instance: str
    at: float


class Run:
    """What the workers share with the conductor."""

    def __init__(self, instances: list[Instance], client_id: str, client_secret: str, bound: float):
        self.instances = instances
        self.client_id = client_id
        self.client_secret = client_secret
        self.bound = bound
        self.phase = "setup"
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.requests: list[Request] = []
        self.codes: list[str] = []                      # code hashes the clients received
        self.tokens: list[Received] = []
        self.login_flows: set[str] = set()
        self.killed_at: float | None = None              # when A was killed

    def record(self, request: Request) -> None:
        with self.lock:
            self.requests.append(request)


def jwt_claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class Worker(threading.Thread):
    """One virtual user: one browser session, one remembered consent, authorize -> token in a loop.
    Its home is one instance; a refused connection sends it to the other for a quarter second."""

    def __init__(self, run: Run, index: int, username: str):
        super().__init__(name=f"worker-{index}", daemon=True)
        self.run_ = run
        self.index = index
        self.username = username
        self.home = index % 2
        self.jar: dict[str, str] = {}
        timeout = run.bound + 5
        self.browsers = [Client(i.base_url, cookies=self.jar, timeout=timeout) for i in run.instances]
        self.backchannel = [Client(i.base_url, timeout=timeout) for i in run.instances]
        self.away_until = 0.0
        self.logged_in = threading.Event()
        self.failure: str | None = None
        self.flows = 0

    # One HTTP request, recorded.
    def call(self, which: int, method: str, path: str, backchannel: bool = False, **kwargs) -> tuple[Answer | None, Request]:
        run = self.run_
        record = Request(self.index, run.instances[which].name, method, path.split("?")[0], run.phase, now())
        client = (self.backchannel if backchannel else self.browsers)[which]
        try:
            if method == "POST":
                answer = client.post_form(path, kwargs.pop("fields"), **kwargs)
            else:
                answer = client.get(path, **kwargs)
        except ConnectionRefusedError:
            record.error = record.outcome = "refused"
            answer = None
        except socket.timeout:
            record.error = "timeout"
            answer = None
        except (OSError, http.client.HTTPException) as error:
            record.error = f"dropped ({type(error).__name__})"
            answer = None
        record.duration = now() - record.start
        if answer is not None:
            record.status = answer.status
            record.retry_after = answer.header("retry-after")
            record.request_id = answer.header("x-request-id")
            if answer.status == 503:
                record.outcome = "unavailable" if record.retry_after else "FAIL"
                if not record.retry_after:
                    record.reason = "503 without Retry-After"
            elif answer.status >= 500:
                record.outcome, record.reason = "FAIL", f"{answer.status}: {answer.text[:200]}"
            if record.duration > run.bound + 1:
                record.outcome, record.reason = "FAIL", f"answered after {record.duration:.2f} s (bound {run.bound + 1:g} s)"
        elif record.error != "refused":
            record.outcome = "FAIL"
            record.reason = f"no answer: {record.error} after {record.duration:.2f} s"
            # A request in flight on A (or in its listen queue) when it was killed is lost with it.
            killed_at = run.killed_at
            if record.instance == "A" and killed_at is not None \
                    and record.start <= killed_at + 0.2 and record.start + record.duration >= killed_at - 0.05:
                record.outcome, record.reason = "lost-with-instance", ""
        run.record(record)
        return answer, record

    def fail(self, record: Request, reason: str) -> None:
        record.outcome, record.reason = "FAIL", reason

    def pick(self) -> int:
        return self.home if time.monotonic() >= self.away_until else 1 - self.home

    def refused(self, which: int) -> None:
        if which == self.home:
            self.away_until = time.monotonic() + 0.25

    def authorize_query(self, state: str, challenge: str) -> str:
        return "/authorize?" + urllib.parse.urlencode({
            "response_type": "code", "client_id": self.run_.client_id, "redirect_uri": REDIRECT_URI, "scope": SCOPE,
            "state": state, "code_challenge": challenge, "code_challenge_method": "S256"})

    def code_from(self, location: str, state: str) -> str | None:
        if not location.startswith(REDIRECT_URI + "?"):
            return None
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
        if query.get("state", [None])[0] != state:
            return None
        return query.get("code", [None])[0]

    def login(self) -> tuple[str, str, int]:
        """The one sign-in of this session: authorize, login page, password, consent (remembered).
        Returns the first flow's code and PKCE verifier, and the instance that issued the code."""
        which = self.home
        verifier, challenge = pkce_pair()
        state = secrets.token_urlsafe(8)
        answer, record = self.call(which, "GET", self.authorize_query(state, challenge))
        location = answer.header("location") if answer else ""
        if not answer or answer.status != 303 or not location.startswith("/login?flow="):
            raise RuntimeError(f"/authorize before login answered {record.status or record.error} {location!r}")
        flow = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["flow"][0]
        with self.run_.lock:
            self.run_.login_flows.add("flow-" + flow)
        page, _ = self.call(which, "GET", location)
        answer, record = self.call(which, "POST", "/login", fields={
            "flow": flow, "csrf_token": hidden(page.text, "csrf_token"), "username": self.username, "password": PASSWORD})
        location = answer.header("location") or ""
        if answer.status != 303:
            raise RuntimeError(f"POST /login answered {answer.status}")
        if location.startswith("/consent"):
            consent, _ = self.call(which, "GET", location)
            answer, record = self.call(which, "POST", "/consent", fields={
                "flow": flow, "csrf_token": hidden(consent.text, "csrf_token"), "decision": "allow", "remember": "on"})
            location = answer.header("location") or ""
        code = self.code_from(location, state)
        if not code:
            raise RuntimeError(f"no code after login and consent: {answer.status} {location!r}")
        return code, verifier, which

    def redeem(self, code: str, verifier: str, which: int) -> None:
        """POST /token for `code` until it is answered: refused goes to the other instance at once
        (nothing was sent); a lost answer (dropped, 503) is retried after Retry-After on the other
        instance, as a balancer would, and then invalid_grant is explained (the first redemption
        committed, and the retry revoked its tokens)."""
        run = self.run_
        with run.lock:
            run.codes.append(sha256_hex(code))
        uncertain = False
        started = time.monotonic()
        attempts = 0
        while time.monotonic() - started < 30:
            attempts += 1
            answer, record = self.call(which, "POST", "/token", backchannel=True, fields={
                "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "code_verifier": verifier},
                headers={"Authorization": basic(run.client_id, run.client_secret)})
            if answer is None:
                if record.error == "refused":
                    self.refused(which)
                    which = 1 - which
                    if attempts % 2 == 0:
                        time.sleep(0.1)
                else:
                    uncertain = True
                    which = 1 - which
                continue
            if answer.status == 200:
                body = json.loads(answer.body)
                access = body["access_token"]
                if body.get("refresh_token"):
                    self.fail(record, "a refresh token for a client registered without refresh tokens")
                with run.lock:
                    run.tokens.append(Received(access, jwt_claims(access)["jti"], sha256_hex(code), record.instance, record.start))
                self.flows += 1
                return
            if answer.status == 503 and record.retry_after:
                uncertain = True
                which = 1 - which
                time.sleep(min(float(record.retry_after), 2.0))
                continue
            if answer.status == 400 and uncertain and b"invalid_grant" in answer.body:
                record.outcome = "explained"
                record.reason = "invalid_grant after a lost answer to this code's redemption"
                return
            if record.outcome != "FAIL":
                self.fail(record, f"/token answered {answer.status}: {answer.text[:200]}")
            return
        self.fail(record, "the code could not be redeemed within 30 s")

    def run(self) -> None:
        try:
            code, verifier, which = self.login()
            self.logged_in.set()
            self.redeem(code, verifier, which)
            while not self.run_.stop.is_set():
                self.one_flow()
        except Exception as error:  # a worker that dies is a failure of the run, never a hang
            self.failure = f"{type(error).__name__}: {error}\n{traceback.format_exc()}"
            self.logged_in.set()

    def one_flow(self) -> None:
        which = self.pick()
        verifier, challenge = pkce_pair()
        state = secrets.token_urlsafe(8)
        answer, record = self.call(which, "GET", self.authorize_query(state, challenge))
        if answer is None:
            if record.error == "refused":
                self.refused(which)
            else:
                time.sleep(0.05)
            return
        if answer.status == 503:
            if record.retry_after:
                time.sleep(min(float(record.retry_after), 2.0))
            return
        location = answer.header("location") or ""
        code = self.code_from(location, state) if answer.status == 303 else None
        if not code:
            if record.outcome != "FAIL":
                self.fail(record, f"/authorize with a session and a remembered consent answered {answer.status} {location[:80]!r}")
            time.sleep(0.2)
            return
        self.redeem(code, verifier, which)


class ReadinessPoller(threading.Thread):
    """GET /readyz of one instance every 20 ms: (start, status, duration)."""
    interval = 0.02

    def __init__(self, instance: Instance):
        super().__init__(name=f"readyz-{instance.name}", daemon=True)
        self.instance = instance
        self.samples: list[tuple[float, int | str, float]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            start = now()
            status = http_status(self.instance.port, "/readyz", timeout=2.0)
            self.samples.append((start, status, now() - start))
            self.stop.wait(max(0.0, self.interval - (now() - start)))

    def follow(self, after: float, wanted, until: float | None = None) -> tuple[float, float] | None:
        """How long after `after` /readyz first answered `wanted`: (at least, at most) seconds --
        it changed between the sample before (or `after`) and the first sample that shows it."""
        previous = after
        for start, status, _ in list(self.samples):
            if start < after:
                continue
            if until is not None and start > until:
                return None
            if status == wanted:
                return max(previous, after) - after, start - after
            previous = start
        return None

    def statuses(self, since: float, until: float) -> collections.Counter:
        return collections.Counter(str(s) for t, s, _ in list(self.samples) if since <= t <= until)


# --------------------------------------------------------------------------------------------
# The conductor.
# --------------------------------------------------------------------------------------------

class FaultRun:
    def __init__(self, args):
        self.args = args
        self.bound = float(os.environ.get("VELLUM_REQUEST_TIMEOUT") or 5)
        self.failures: list[str] = []
        self.notes: list[str] = []
        self.phases: list[tuple[str, str, float, float]] = []   # (name, kind, start, end)
        self.faults: list[dict] = []
        self.readyz_follow: list[tuple[str, str, str, float | None]] = []  # (fault, instance, direction, seconds)
        self.data_dir = tempfile.mkdtemp(prefix="vellum-fault.", dir="/tmp")
        os.chmod(self.data_dir, 0o755)
        self.tmpfs: str | None = None
        self.filler: str | None = None
        self.hog: ConnectionHog | None = None
        self.run_: Run | None = None
        self.workers: list[Worker] = []
        self.pollers: list[ReadinessPoller] = []
        self.cleaned = False
        self.probe_results: list[str] = []
        self.shipping_results: list[str] = []
        self.cluster = Cluster(self.data_dir)
        port_a, port_b = free_port(), free_port()
        while port_b == port_a:
            port_b = free_port()
        self.servers = Servers(args.bin_dir, self.data_dir, port_a, self.bound)
        self.a = Instance("A", port_a, os.path.join(self.data_dir, "checkpoints-a.jsonl"))
        self.b = Instance("B", port_b, "")

    # ---- helpers

    def check(self, condition: bool, message: str) -> bool:
        if not condition:
            self.failures.append(message)
            log("FAIL: " + message)
        return condition

    def steady(self, seconds: float) -> None:
        self.phase(f"steady", "steady", lambda: time.sleep(seconds))

    def phase(self, name: str, kind: str, body) -> None:
        start = now()
        self.run_.phase = name
        try:
            body()
        finally:
            self.phases.append((name, kind, start, now()))
            self.run_.phase = "between"

    def wait_until(self, condition, limit: float, step: float = 0.02) -> float | None:
        start = time.monotonic()
        while time.monotonic() - start < limit:
            if condition():
                return time.monotonic() - start
            time.sleep(step)
        return None

    def both_ready(self) -> bool:
        return all(p.samples and p.samples[-1][1] == 200 for p in self.pollers)

    def seal_state(self) -> tuple[int, int]:
        row = self.cluster.psql("SELECT coalesce((SELECT max(seal_seq) FROM seals), 0), coalesce((SELECT max(seal_seq) FROM checkpoints), 0)")
        seals, checkpoints = row.split("|")
        return int(seals), int(checkpoints)

    # ---- setup

    def mount_checkpoint_disk(self) -> None:
        """B's checkpoint file on a small tmpfs that phase 5 fills; /dev/full when none can be mounted."""
        directory = os.path.join(self.data_dir, "checkpoint-disk")
        os.makedirs(directory)
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", directory],
                                capture_output=True, text=True) if os.geteuid() == 0 else None
        if result is not None and result.returncode == 0:
            self.tmpfs = directory
            self.b.checkpoint_file = os.path.join(directory, "checkpoints-b.jsonl")
        else:
            reason = result.stderr.strip() if result is not None else "not root"
            self.b.checkpoint_file = "/dev/full"
            self.notes.append(f"no tmpfs could be mounted ({reason}): B's checkpoint file is /dev/full for the whole run "
                              "(its shipping fails on ftruncate, EINVAL, rather than on a write, ENOSPC)")

    def setup(self) -> None:
        log(f"data directory {self.data_dir}; A on :{self.a.port} (starts the cluster), B on :{self.b.port}; "
            f"request timeout {self.bound:g} s")
        self.mount_checkpoint_disk()
        self.servers.start(self.a)
        took = self.servers.wait_ready(self.a)
        log(f"A ready in {took:.1f} s (cluster created and started by A, postmaster pid {self.cluster.postmaster_pid()})")
        self.servers.start(self.b)
        took = self.servers.wait_ready(self.b)
        log(f"B ready in {took:.1f} s (joined the cluster; checkpoint file {self.b.checkpoint_file})")

        created = self.servers.cli(["clients", "create", "--name", "Fault run", "--redirect-uri", REDIRECT_URI, "--scope", SCOPE, "--json"])
        if created.returncode != 0:
            raise SetupError(f"clients create failed: {created.stderr}")
        client = json.loads(created.stdout)
        self.run_ = Run([self.a, self.b], client["client_id"], client["client_secret"], self.bound)
        usernames = [f"fault-user-{i}" for i in range(self.args.workers)]
        start = time.monotonic()
        for username in usernames:
            made = self.servers.cli(["users", "create", "--username", username, "--password-stdin"], stdin=PASSWORD + "\n")
            if made.returncode != 0:
                raise SetupError(f"users create failed: {made.stderr}")
        log(f"registered client {client['client_id']} and {len(usernames)} users in {time.monotonic() - start:.1f} s")

        self.pollers = [ReadinessPoller(self.a), ReadinessPoller(self.b)]
        for poller in self.pollers:
            poller.start()
        self.workers = [Worker(self.run_, i, username) for i, username in enumerate(usernames)]
        start = time.monotonic()
        for worker in self.workers:
            worker.start()
        for worker in self.workers:
            worker.logged_in.wait(120)
            if worker.failure:
                raise SetupError(f"worker {worker.index} could not sign in: {worker.failure}")
        log(f"{len(self.workers)} sessions signed in (password, consent remembered) in {time.monotonic() - start:.1f} s; load running")

    # ---- the faults

    def fault_kill(self) -> None:
        cluster, a = self.cluster, self.a
        postmaster = cluster.postmaster_pid()
        killed_at = now()
        self.run_.killed_at = killed_at
        os.kill(a.process.pid, signal.SIGKILL)
        a.process.wait()
        log(f"fault 1: SIGKILL of A (pid {a.process.pid}, which started the cluster)")
        time.sleep(0.5)
        alive = postmaster is not None and os.path.exists(f"/proc/{postmaster}") and cluster.postmaster_pid() == postmaster
        self.check(alive and cluster.accepts(), f"PostgreSQL (postmaster {postmaster}) did not survive the SIGKILL of the instance that started it")
        time.sleep(self.args.kill_down)            # B alone serves (and seals) meanwhile
        restart_at = now()
        self.servers.start(a)
        took = self.servers.wait_ready(a)
        ready_at = now()
        b_poller = self.pollers[1]
        b_statuses = b_poller.statuses(killed_at, ready_at)
        self.check(set(b_statuses) <= {"200"}, f"B's /readyz while A was down: {dict(b_statuses)}")
        self.faults.append({"fault": "SIGKILL of instance A under load", "detail":
                            f"postmaster {postmaster} survived; A down {restart_at - killed_at:.1f} s, "
                            f"restarted on :{a.port}, ready {took:.1f} s after its start; B's /readyz {dict(b_statuses)}"})
        log(f"A restarted, ready after {took:.1f} s")

    def fault_database(self, name: str, hold: float) -> None:
        """hold 0: `pg_ctl restart -m fast`; otherwise stop, `hold` seconds down, start."""
        cluster = self.cluster
        mark = cluster.log_size()
        invoked_at = now()
        if hold == 0:
            result = cluster.pg_ctl("restart", "-m", "fast", "-W", "-l", os.path.join(cluster.directory, "server.log"))
            stopped_at = now()
            if not self.check(result.returncode == 0, f"pg_ctl restart failed: {result.stdout}"):
                return
            log(f"fault {name}: pg_ctl restart -m fast (stopped after {stopped_at - invoked_at:.2f} s)")
        else:
            result = cluster.pg_ctl("stop", "-m", "fast", "-w")
            stopped_at = now()
            if not self.check(result.returncode == 0, f"pg_ctl stop failed: {result.stdout}"):
                return
            log(f"fault {name}: pg_ctl stop -m fast (shut down after {stopped_at - invoked_at:.2f} s); held down {hold:g} s")
            time.sleep(hold)
            result = cluster.pg_ctl("start", "-W", "-l", os.path.join(cluster.directory, "server.log"))
            if not self.check(result.returncode == 0, f"pg_ctl start failed: {result.stdout}"):
                return
        waited = self.wait_until(cluster.accepts, 60, step=0.02)
        accepted_at = now()
        if not self.check(waited is not None, "PostgreSQL did not accept connections within 60 s of its start"):
            return
        # The instants from PostgreSQL's own log (ms): it went away when it received the shutdown
        # request (it terminates every session and refuses new ones at once), and was back when it
        # logged that it accepts connections. Else: pg_ctl's invocation, and the first session opened.
        down_at = cluster.log_time(mark, "received fast shutdown request")
        up_at = cluster.log_time(mark, "database system is ready to accept connections")
        if down_at is None or up_at is None:
            self.notes.append(f"{name}: PostgreSQL's log gave no instants; measured from pg_ctl and a probe every 20 ms")
            down_at, up_at = invoked_at, accepted_at
        self.wait_until(self.both_ready, 60, step=0.05)
        time.sleep(0.2)
        details = []
        for poller in self.pollers:
            down_follow = poller.follow(down_at, 503, until=up_at)
            up_follow = poller.follow(up_at, 200)
            self.readyz_follow.append((name, poller.instance.name, "503 after the database went down", down_follow))
            self.readyz_follow.append((name, poller.instance.name, "200 after it accepted connections", up_follow))
            details.append(f"{poller.instance.name}: 503 {span(down_follow)} after down, 200 {span(up_follow)} after up")
            if hold > 0:
                self.check(within(down_follow, self.args.readyz_limit),
                           f"{name}: {poller.instance.name}'s /readyz turned 503 {span(down_follow)} after the database went down "
                           f"(limit {self.args.readyz_limit:g} s)")
            up_limit = self.args.readyz_limit + pool_reconnect_backoff(up_at - down_at)
            self.check(within(up_follow, up_limit),
                       f"{name}: {poller.instance.name}'s /readyz turned 200 {span(up_follow)} after the database accepted "
                       f"connections again (limit {up_limit:.2f} s: {self.args.readyz_limit:g} s and the pool's backoff)")
        self.faults.append({"fault": "PostgreSQL " + ("restart (pg_ctl restart -m fast)" if hold == 0 else
                                                      f"stopped for {hold:g} s (pg_ctl stop -m fast; start)"),
                            "detail": f"database down {down_at:.2f}..{up_at:.2f} ({up_at - down_at:.2f} s); " + "; ".join(details)})
        log("readyz: " + "; ".join(details))

    def vellum_connections(self) -> dict[str, int]:
        rows = self.cluster.psql("SELECT application_name, count(*) FROM pg_stat_activity "
                                 "WHERE backend_type = 'client backend' GROUP BY 1 ORDER BY 1")
        return {line.split("|")[0] or "(none)": int(line.split("|")[1]) for line in rows.splitlines() if line}

    def fault_exhaustion(self) -> None:
        cluster = self.cluster
        max_connections = int(cluster.psql("SHOW max_connections"))
        reserved = int(cluster.psql("SHOW superuser_reserved_connections"))
        before = self.vellum_connections()
        self.hog = hog = ConnectionHog(cluster)
        start = now()
        held = hog.fill(max_connections + 10)
        full_at = now()
        refusal = startup_probe(cluster.socket_path, "vellum_server", application_name="vellum-fault-check")
        self.check(refusal[0] == "refused" and refusal[1].startswith("53300"),
                   f"with every slot taken, a new connection was answered {refusal}")
        log(f"fault 4: max_connections {max_connections} ({reserved} reserved for superusers) reached: "
            f"{held} idle sessions as vellum_server in {full_at - start:.2f} s; a new one is refused: {refusal[1]}")
        time.sleep(self.args.exhaust_hold / 2)
        during = self.vellum_connections()
        terminated = cluster.psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name LIKE 'vellum %'")
        terminated_at = now()
        log(f"terminated the instances' {terminated} connections: their pools must reconnect into a full server")
        time.sleep(self.args.exhaust_hold / 2)
        after_terminate = self.vellum_connections()
        released = hog.release()
        released_at = now()
        self.hog = None
        ready = self.wait_until(self.both_ready, 60, step=0.05)
        self.check(ready is not None, "the instances were not ready within 60 s of the connections' release")
        time.sleep(0.2)
        details = []
        for poller in self.pollers:
            during_statuses = poller.statuses(terminated_at, released_at)
            down_follow = poller.follow(terminated_at, 503, until=released_at)
            up_follow = poller.follow(released_at, 200)
            self.readyz_follow.append(("exhaustion", poller.instance.name, "503 after its connections were cut", down_follow))
            self.readyz_follow.append(("exhaustion", poller.instance.name, "200 after the slots were released", up_follow))
            details.append(f"{poller.instance.name}: /readyz {dict(during_statuses)} while full and its connections cut, "
                           f"200 {span(up_follow)} after release")
            # Its pool may have been refused from the moment the server was full.
            up_limit = self.args.readyz_limit + pool_reconnect_backoff(released_at - full_at)
            self.check(within(up_follow, up_limit),
                       f"exhaustion: {poller.instance.name}'s /readyz turned 200 {span(up_follow)} after the slots were released "
                       f"(limit {up_limit:.2f} s: {self.args.readyz_limit:g} s and the pool's backoff)")

        def instances_only(counts):
            return {k: v for k, v in counts.items() if k.startswith("vellum ")}
        self.faults.append({"fault": "connection exhaustion (max_connections reached)", "detail":
                            f"max_connections {max_connections}, {reserved} reserved; {held} idle sessions held "
                            f"{released_at - full_at:.1f} s (refusals seen by the hog: {dict(hog.refusals)}); instances' "
                            f"connections before {instances_only(before)}, while full {instances_only(during)}, after "
                            f"terminating {terminated} of them {instances_only(after_terminate)}; " + "; ".join(details)})
        log("exhaustion released: " + "; ".join(details))

    def fault_disk(self) -> None:
        if not self.tmpfs:
            self.faults.append({"fault": "full disk for the checkpoint file (/dev/full)", "detail":
                                f"B's checkpoint file was /dev/full for the whole run: {self.shipping_failures('B')} "
                                "failed shipping rounds logged"})
            return
        path = self.b.checkpoint_file
        failures_before = self.shipping_failures("B")
        enospc_before = self.shipping_failures("B", ("No space", "Code=28 "))
        seals_before, checkpoints_before = self.seal_state()
        shipping = self.wait_until(lambda: last_shipped(path)[0] >= checkpoints_before, 5, step=0.1)
        if not self.check(shipping is not None, f"before its disk was filled, B was not shipping: its file ends at seal "
                                                f"{last_shipped(path)[0]}, the database's checkpoints reach {checkpoints_before}"):
            self.faults.append({"fault": "full disk for B's checkpoint file (tmpfs filled)",
                                "detail": "not injected: B had stopped shipping checkpoints before"})
            return
        self.filler = os.path.join(self.tmpfs, "filler")
        written = 0
        descriptor = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            for chunk in (65536, 4096, 512, 1):
                try:
                    while True:
                        written += os.write(descriptor, b"\0" * chunk)
                except OSError as error:
                    if error.errno != errno.ENOSPC:
                        raise
        finally:
            os.close(descriptor)
        full_at = now()
        # What a full disk still takes: the unused rest of the file's last block.
        size_at_full = os.path.getsize(path)
        block = os.statvfs(self.tmpfs).f_bsize
        slack = -size_at_full % block
        log(f"fault 5: B's checkpoint disk is full ({written} bytes of filler; {path}; {slack} bytes left in its last block)")
        time.sleep(self.args.disk_hold)
        size_during = os.path.getsize(path)
        seals_during, checkpoints_during = self.seal_state()
        failures = self.shipping_failures("B") - failures_before
        enospc = self.shipping_failures("B", ("No space", "Code=28 ")) - enospc_before
        shipped_lines, torn = checkpoint_file_state(path)
        os.remove(self.filler)
        self.filler = None
        freed_at = now()
        target = self.seal_state()[1]
        caught_up = self.wait_until(lambda: checkpoint_file_state(path)[0] >= target, 15, step=0.1)
        final_lines, final_torn = checkpoint_file_state(path)
        self.check(seals_during > seals_before and checkpoints_during > checkpoints_before,
                   f"sealing stopped while B's checkpoint disk was full (seals {seals_before} -> {seals_during}, "
                   f"checkpoints {checkpoints_before} -> {checkpoints_during})")
        # Shipping must have failed, unless every line it had to write fitted in the file's last block.
        self.check(failures > 0 or size_during - size_at_full <= slack,
                   f"B logged no failed shipping while its checkpoint disk was full (its file grew by "
                   f"{size_during - size_at_full} bytes; {slack} were left in its last block)")
        self.check(caught_up is not None, f"B's checkpoint file did not catch up within 15 s of the disk being freed "
                                          f"(its last line seals {final_lines}, the database's last checkpoint at the "
                                          f"disk's release {target})")
        self.check(not final_torn, "B's checkpoint file ends in a torn line after the disk was freed")
        self.faults.append({"fault": "full disk for B's checkpoint file (tmpfs filled)", "detail":
                            f"full {freed_at - full_at:.1f} s: seals {seals_before} -> {seals_during}, checkpoints "
                            f"{checkpoints_before} -> {checkpoints_during} in the database; B logged {failures} failed shipping "
                            f"rounds ({enospc} naming ENOSPC); its file's last whole line sealed {shipped_lines}"
                            f"{' with a torn line after it' if torn else ''} while full, {final_lines} "
                            f"{'caught up %.1f s' % caught_up if caught_up is not None else 'NOT caught up'} after the disk was freed"})
        log(self.faults[-1]["detail"])

    def shipping_failures(self, name: str, needles: tuple[str, ...] = ("",)) -> int:
        instance = self.a if name == "A" else self.b
        count = 0
        for path in instance.logs:
            with open(path, errors="replace") as f:
                for line in f:
                    if "shipping checkpoints failed" in line and any(n in line for n in needles):
                        count += 1
        return count

    # ---- the checks afterwards

    def check_requests(self) -> dict:
        requests = self.run_.requests
        # Between the faults both instances said ready: a 503 there means one did not recover --
        # unless the request was still in flight when the next fault was injected, having started
        # at most a second before it.
        fault_starts = sorted(start for _, kind, start, _ in self.phases if kind == "fault")
        for r in requests:
            if r.phase not in ("steady", "after") or r.status != 503 or r.outcome == "FAIL":
                continue
            following = next((t for t in fault_starts if t >= r.start), None)
            if following is not None and following - r.start <= 1.0 and r.start + r.duration >= following:
                r.outcome, r.reason = "unavailable", "in flight when the next fault was injected"
                continue
            r.outcome, r.reason = "FAIL", (f"503 in the {r.phase} phase, after both instances were ready again "
                                           f"(answered after {r.duration:.2f} s)")
        failed = [r for r in requests if r.outcome == "FAIL"]
        for worker in self.workers:
            if worker.failure:
                self.failures.append(f"worker {worker.index} died: {worker.failure}")
        for r in failed[:20]:
            evidence = self.server_lines(r.request_id) if r.request_id else []
            self.failures.append(f"request {r.method} {r.path} on {r.instance} (worker {r.worker}, phase {r.phase}) at "
                                 f"+{r.start:.2f} s: {r.reason} [status {r.status}, {r.duration:.2f} s, request id {r.request_id}]"
                                 + "".join("\n      server: " + line[:400] for line in evidence[:5]))
        if len(failed) > 20:
            self.failures.append(f"... and {len(failed) - 20} more failed requests")
        return {"failed": len(failed)}

    def server_lines(self, request_id: str) -> list[str]:
        lines = []
        for instance in (self.a, self.b):
            for path in instance.logs:
                with open(path, errors="replace") as f:
                    lines += [f"{instance.name}: {line.strip()}" for line in f if request_id in line]
        return lines

    def check_introspection(self) -> int:
        tokens = list(self.run_.tokens)
        inactive: list[tuple[Received, str]] = []
        lock = threading.Lock()
        index = iter(range(len(tokens)))
        auth = basic(self.run_.client_id, self.run_.client_secret)

        def work(which: int):
            client = Client(self.run_.instances[which].base_url, timeout=self.bound + 5)
            while True:
                with lock:
                    i = next(index, None)
                if i is None:
                    return
                token = tokens[i]
                try:
                    answer = client.post_form("/introspect", {"token": token.access_token}, headers={"Authorization": auth})
                    body = json.loads(answer.body) if answer.status == 200 else {}
                    result = f"{answer.status} {answer.text[:200]}"
                except (OSError, http.client.HTTPException, ValueError) as error:
                    body, result = {}, f"no answer: {error!r}"
                if not (body.get("active") is True and body.get("jti") == token.jti):
                    with lock:
                        inactive.append((token, result))

        threads = [threading.Thread(target=work, args=(i % 2,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for token, answer in inactive[:10]:
            self.failures.append(f"token jti {token.jti} (received from {token.instance} at +{token.at:.2f} s) introspects {answer}")
        self.check(not inactive, f"{len(inactive)} of {len(tokens)} received access tokens do not introspect active")
        return len(tokens)

    def check_log(self) -> dict:
        exported = self.servers.cli(["export", "--format", "jsonl"], tool="audit", timeout=300)
        if not self.check(exported.returncode == 0, f"vellum-audit export failed: {exported.stderr[-2000:]}"):
            return {}
        events, records = [], collections.Counter()
        for line in exported.stdout.splitlines():
            item = json.loads(line)
            if "record" in item:
                records[item["record"]] += 1
            else:
                events.append(item)
        streams: dict[str, list[dict]] = collections.defaultdict(list)
        for event in events:
            streams[event["stream_id"]].append(event)
        by_type = collections.Counter(e["type"] for e in events)
        code_issued = {}     # code hash -> flow
        token_issued = {}    # jti -> flow
        half_written = []
        session_start = ["AuthorizationRequested", "UserAuthenticated", "ConsentGranted", "AuthorizationCodeIssued"]
        flows = {s: sorted(evs, key=lambda e: e["stream_version"]) for s, evs in streams.items() if s.startswith("flow-")}
        for stream, evs in flows.items():
            versions = [e["stream_version"] for e in evs]
            if versions != list(range(1, len(evs) + 1)):
                half_written.append(f"{stream}: versions {versions[:12]}")
            types = [e["type"] for e in evs]
            if stream not in self.run_.login_flows and types[:4] != session_start:
                half_written.append(f"{stream} (started from a session) begins {types[:5]}")
            for i, event in enumerate(evs):
                if event["type"] == "AuthorizationCodeIssued":
                    code_issued[event["payload"]["code_hash"]] = stream
                elif event["type"] == "TokensIssued":
                    token_issued[event["payload"]["access_token_id"]] = stream
                elif event["type"] == "AuthorizationCodeRedeemed":
                    following = types[i + 1] if i + 1 < len(types) else None
                    if following != "TokensIssued":
                        half_written.append(f"{stream}: AuthorizationCodeRedeemed (v{event['stream_version']}) followed by {following}")
        # Every code and token a client received, in a complete flow.
        missing_codes = [h for h in self.run_.codes if h not in code_issued]
        missing_tokens, incomplete = [], []
        expected = ["AuthorizationRequested", "UserAuthenticated", "ConsentGranted", "AuthorizationCodeIssued",
                    "AuthorizationCodeRedeemed", "TokensIssued"]
        for token in self.run_.tokens:
            stream = token_issued.get(token.jti)
            if stream is None:
                missing_tokens.append(token.jti)
                continue
            evs = flows[stream]
            types = [e["type"] for e in evs]
            position = 0
            for wanted in expected:       # in this order, possibly with other events between
                while position < len(types) and types[position] != wanted:
                    position += 1
                position += 1
            issued = [e for e in evs if e["type"] == "AuthorizationCodeIssued"]
            if position > len(types) or not issued or issued[0]["payload"]["code_hash"] != token.code_hash:
                incomplete.append(f"{stream}: {types}")
        for item in (missing_codes[:5] + missing_tokens[:5]):
            self.failures.append(f"received but not in the log: {item}")
        for item in (half_written[:10] + incomplete[:10]):
            self.failures.append(f"flow: {item}")
        self.check(not missing_codes, f"{len(missing_codes)} codes the clients received have no AuthorizationCodeIssued")
        self.check(not missing_tokens, f"{len(missing_tokens)} tokens the clients received have no TokensIssued")
        self.check(not half_written, f"{len(half_written)} half-written flows")
        self.check(not incomplete, f"{len(incomplete)} flows of received tokens are incomplete")
        received_jtis = {t.jti for t in self.run_.tokens}
        unheard = [j for j in token_issued if j not in received_jtis]
        revoked_unheard = 0
        for jti in unheard:
            evs = flows[token_issued[jti]]
            if any(e["type"] == "TokensRevoked" and jti in e["payload"].get("access_token_ids", []) for e in evs):
                revoked_unheard += 1
        return {"events": len(events), "streams": len(streams), "flows": len(flows), "by_type": by_type, "records": records,
                "codes_issued": len(code_issued), "tokens_issued": len(token_issued), "unheard": len(unheard),
                "revoked_unheard": revoked_unheard, "lost": len(missing_codes) + len(missing_tokens) + len(incomplete),
                "half_written": len(half_written), "flows_checked": len({token_issued.get(t.jti) for t in self.run_.tokens})}

    def phase_at(self, moment: float) -> str:
        for name, _, start, end in self.phases:
            if start <= moment <= end:
                return name
        return "between phases"

    def check_shipping(self) -> list[str]:
        """Each sealing instance ships every committed checkpoint, whoever signed it: after the
        load both files must reach the database's last checkpoint within a few seconds. One that
        does not shows when that instance's catch-up service (sealing, shipping, audit index) stopped."""
        files = [(self.a, self.a.checkpoint_file)] + ([(self.b, self.b.checkpoint_file)] if self.tmpfs else [])
        target = self.seal_state()[1]
        self.wait_until(lambda: all(last_shipped(path)[0] >= target for _, path in files), 10, step=0.2)
        results = []
        for instance, path in files:
            seal, signed = last_shipped(path)
            if seal >= target:
                results.append(f"{instance.name}: shipped through seal {seal}")
                continue
            when = f"+{signed:.1f} s, in phase {self.phase_at(signed)!r}" if signed is not None else "before any"
            results.append(f"{instance.name}: STOPPED at seal {seal} (signed {when}); the database signed through {target}")
            self.check(False, f"{instance.name}'s catch-up service stopped: its checkpoint file ends at seal {seal} "
                              f"(signed {when}) while the database holds checkpoints through seal {target}, and it logged no "
                              f"failure since ({self.catchup_errors(instance, signed)})")
        return results

    def catchup_errors(self, instance: Instance, since: float | None) -> str:
        kinds = collections.Counter()
        for path in instance.logs:
            with open(path, errors="replace") as f:
                for line in f:
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        continue
                    message = entry.get("message", "")
                    if any(k in message for k in ("sealing failed", "catch-up projections failed", "shipping checkpoints failed")):
                        moment = datetime.datetime.fromisoformat(entry["time"].replace("Z", "+00:00")).timestamp() - WALL_AT_T0
                        if since is None or moment >= since:
                            kinds[message.split(";")[0]] += 1
        return ", ".join(f"{k}: {v}" for k, v in kinds.items()) or "no sealing, catch-up or shipping error logged"

    def check_verify(self) -> list[str]:
        results = []
        files = [("A", self.a.checkpoint_file)] + ([("B", self.b.checkpoint_file)] if self.tmpfs else [])
        for name, path in files:
            verified = self.servers.cli(["verify", "--checkpoints", path], tool="audit", timeout=300)
            lines = [l for l in verified.stdout.splitlines() if l.strip()]
            summary = " | ".join(lines)
            results.append(f"verify --checkpoints <{name}'s file>: exit {verified.returncode}: {summary}")
            self.check(verified.returncode == 0, f"vellum-audit verify --checkpoints {path} exited {verified.returncode}:\n"
                       + verified.stdout + verified.stderr[-2000:])
        return results

    def check_projections(self) -> str:
        rebuilt = self.servers.cli(["projections", "rebuild", "--verify"], timeout=300)
        result = next((l for l in rebuilt.stdout.splitlines() if l.startswith("result:")), rebuilt.stdout.strip()[-300:])
        self.check(rebuilt.returncode == 0, f"vellum projections rebuild --verify exited {rebuilt.returncode}:\n"
                   + rebuilt.stdout[-3000:] + rebuilt.stderr[-1000:])
        return result

    def logged_errors(self) -> collections.Counter:
        kinds = collections.Counter()
        for instance in (self.a, self.b):
            for path in instance.logs:
                with open(path, errors="replace") as f:
                    for line in f:
                        try:
                            entry = json.loads(line)
                        except ValueError:
                            continue
                        if entry.get("level") in ("error", "critical"):
                            kinds[f"{instance.name} {entry.get('level')}: {entry.get('message')}"] += 1
        return kinds

    # ---- the whole run

    def attempt(self, what: str, body, default=None):
        """Runs one step; an exception in it is a failure of the run, and the run goes on."""
        try:
            return body()
        except SetupError:
            raise
        except Exception:
            self.failures.append(f"{what} failed:\n" + traceback.format_exc())
            log(self.failures[-1])
            return default

    def execute(self) -> int:
        try:
            self.setup()
        except SetupError as error:
            log(f"setup failed: {error}")
            self.cleanup(keep=True)
            return 2
        steady = self.args.steady
        self.steady(steady)
        for name, body in [("kill A", self.fault_kill),
                           ("pg restart", lambda: self.fault_database("pg restart", 0)),
                           ("pg down", lambda: self.fault_database("pg down", self.args.db_down)),
                           ("exhaustion", self.fault_exhaustion),
                           ("disk full", self.fault_disk)]:
            self.attempt(f"fault {name!r}", lambda: self.phase(name, "fault", body))
            self.steady(steady)
        self.run_.stop.set()
        for worker in self.workers:
            worker.join(self.bound * 12)
        log("load stopped")
        for poller in self.pollers:
            poller.stop.set()
        probes = self.probe_results = self.attempt("probing each instance", self.probe_appends, [])
        log("after the load: " + "; ".join(probes))
        request_summary = self.attempt("checking the requests", self.check_requests, {"failed": "?"})
        tokens_checked = self.attempt("introspection", self.check_introspection, 0)
        log(f"introspected {tokens_checked} tokens")
        log_summary = self.attempt("reading the log", self.check_log, {})
        log(f"read the log: {log_summary.get('events')} events")
        shipping = self.shipping_results = self.attempt("checking the checkpoint files", self.check_shipping, [])
        log("checkpoint files: " + "; ".join(shipping))
        verify = self.attempt("vellum-audit verify", self.check_verify, [])
        projections = self.attempt("projections rebuild --verify", self.check_projections, "?")
        errors = self.attempt("reading the servers' logs", self.logged_errors, collections.Counter())
        stopped = self.attempt("stopping", self.stop_all, "?")
        self.attempt("the summary", lambda: self.summary(request_summary, tokens_checked, log_summary, verify, projections,
                                                         errors, stopped))
        self.cleanup(keep=self.args.keep or bool(self.failures))
        if self.failures:
            print(f"\nFAILED ({len(self.failures)}):")
            for failure in self.failures:
                print("  - " + failure)
            return 1
        print("\nPASSED")
        return 0

    def stop_all(self) -> str:
        processes = self.cluster.processes()
        codes = {}
        threads = []
        for instance in (self.a, self.b):
            t = threading.Thread(target=lambda i=instance: codes.__setitem__(
                i.name, self.servers.stop(i, grace=self.args.stop_grace, on_timeout=self.diagnose)))
            t.start()
            threads.append(t)
        for t in threads:
            t.join()
        killed = [name for name, code in codes.items() if code != 0]
        survivors = self.wait_until(lambda: not [p for p in processes if os.path.exists(f"/proc/{p}")], 10, step=0.1)
        alive = [p for p in processes if os.path.exists(f"/proc/{p}")] + [p for p in self.cluster.processes() if p not in processes]
        self.check(not killed, f"the instances' exit statuses on SIGTERM: {codes}")
        if killed:
            # The last instance to exit stops the cluster; one that had to be killed cannot.
            return (f"A and B on SIGTERM: exit {codes.get('A')}, {codes.get('B')} ({', '.join(killed)} killed after "
                    f"{self.args.stop_grace:g} s); the cluster {'was left running, as a killed instance cannot stop it' if alive else 'stopped'}")
        self.check(survivors is not None and not alive, f"PostgreSQL processes of the cluster survived both instances: {alive}")
        self.check(self.cluster.postmaster_pid() is None, "postmaster.pid is still there after both instances stopped")
        return (f"A and B stopped on SIGTERM (exit {codes.get('A')}, {codes.get('B')}); the cluster's {len(processes)} "
                f"processes are gone: {not alive}")

    def diagnose(self, instance: Instance) -> None:
        """What a hung instance is doing: its sessions in pg_stat_activity, its metrics, and its
        threads (gdb), into DATA/diagnostics-<name>.txt; the sessions also into the failures."""
        pid = instance.process.pid
        parts = []
        try:
            sessions = self.cluster.psql(
                "SELECT pid, state, wait_event_type || ':' || wait_event, now() - xact_start, now() - state_change, "
                "left(regexp_replace(query, '\\s+', ' ', 'g'), 160) FROM pg_stat_activity "
                f"WHERE application_name LIKE 'vellum %:{pid}' ORDER BY state")
        except Exception as error:
            sessions = f"(pg_stat_activity unreadable: {error})"
        parts.append("pg_stat_activity (pid|state|wait|in transaction for|in state for|query):\n" + sessions)
        self.failures.append(f"instance {instance.name} (pid {pid}) hung on SIGTERM; its database sessions:\n      "
                             + (sessions.replace("\n", "\n      ") or "(none)"))
        metrics = http_status(instance.port, "/healthz", timeout=2)
        parts.append(f"/healthz: {metrics}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", instance.port, timeout=5)
            connection.request("GET", "/metrics")
            text = connection.getresponse().read().decode()
            parts.append("/metrics (vellum_*):\n" + "\n".join(l for l in text.splitlines() if l.startswith("vellum_")))
        except (OSError, http.client.HTTPException) as error:
            parts.append(f"/metrics: {error!r}")
        gdb = shutil.which("gdb")
        if gdb:
            try:
                traced = subprocess.run([gdb, "-p", str(pid), "-batch", "-ex", "thread apply all bt 12"],
                                        capture_output=True, text=True, timeout=120)
                parts.append("gdb thread apply all bt 12:\n" + traced.stdout[-200000:])
            except subprocess.TimeoutExpired:
                parts.append("gdb: timed out")
        path = os.path.join(self.data_dir, f"diagnostics-{instance.name}.txt")
        with open(path, "w") as f:
            f.write("\n\n".join(parts) + "\n")
        log(f"diagnostics of {instance.name} in {path}")

    def probe_appends(self) -> list[str]:
        """After the load, with a signed-in session: authorize -> token on each instance (both append)."""
        self.run_.phase = "after"
        worker = self.workers[0]
        prober = Worker(self.run_, worker.index, worker.username)
        prober.jar.update(worker.jar)
        results = []
        for which, instance in enumerate(self.run_.instances):
            verifier, challenge = pkce_pair()
            state = secrets.token_urlsafe(8)
            answer, record = prober.call(which, "GET", prober.authorize_query(state, challenge))
            code = prober.code_from(answer.header("location") or "", state) if answer and answer.status == 303 else None
            if not code:
                results.append(f"{instance.name}: /authorize answered {record.status or record.error} after {record.duration:.2f} s")
                self.check(False, f"after the load, {instance.name} cannot start a flow: /authorize answered "
                                  f"{record.status or record.error} after {record.duration:.2f} s")
                continue
            with self.run_.lock:
                self.run_.codes.append(sha256_hex(code))
            answer, record = prober.call(which, "POST", "/token", backchannel=True, fields={
                "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "code_verifier": verifier},
                headers={"Authorization": basic(self.run_.client_id, self.run_.client_secret)})
            if answer is not None and answer.status == 200:
                access = json.loads(answer.body)["access_token"]
                with self.run_.lock:
                    self.run_.tokens.append(Received(access, jwt_claims(access)["jti"], sha256_hex(code), instance.name, record.start))
                results.append(f"{instance.name}: authorize {record.duration:.3f} s, token 200")
            else:
                results.append(f"{instance.name}: /token answered {record.status or record.error} after {record.duration:.2f} s")
                self.check(False, f"after the load, {instance.name} cannot redeem a code: /token answered "
                                  f"{record.status or record.error} after {record.duration:.2f} s")
        return results

    def cleanup(self, keep: bool) -> None:
        if self.cleaned:
            return
        self.cleaned = True
        if self.run_:
            self.run_.stop.set()
        for poller in self.pollers:
            poller.stop.set()
        if self.hog:
            self.hog.release()
        for instance in (self.a, self.b):
            if instance.process and instance.process.poll() is None:
                self.servers.stop(instance)
        if self.cluster.postmaster_pid() is not None or self.cluster.processes():
            log("the cluster outlived the instances; stopping it")
            if self.cluster.pg_ctl("stop", "-m", "fast", "-w", timeout=60).returncode != 0:
                self.cluster.pg_ctl("stop", "-m", "immediate", "-w", timeout=60)
        if self.tmpfs:
            subprocess.run(["umount", self.tmpfs], capture_output=True)
        if keep:
            log(f"kept {self.data_dir} (servers' logs in {self.servers.log_dir})")
        else:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    # ---- the report

    def summary(self, request_summary, tokens_checked, log_summary, verify, projections, errors, stopped) -> None:
        requests = self.run_.requests
        print("\n==== fault run summary ====")
        fault_phases = [p for p in self.phases if p[1] == "fault"]
        print(f"faults injected: {len(self.faults)}")
        for i, fault in enumerate(self.faults, 1):
            print(f"  {i}. {fault['fault']}: {fault['detail']}")
        for note in self.notes:
            print(f"  note: {note}")
        print("\nrequests by phase and instance (the load's requests; /readyz polls apart):")
        print(f"  {'phase':<11} {'time':>7}  {'':<2} {'requests':>8}  {'statuses | outcomes other than ok':<64} {'max latency':>11}")
        order = ["setup"] + [p[0] for p in self.phases] + ["between", "after"]
        seen = []
        for name in order:
            if name in seen:
                continue
            seen.append(name)
            spans = [(s, e) for n, _, s, e in self.phases if n == name]
            length = sum(e - s for s, e in spans)
            for instance in ("A", "B"):
                of_phase = [r for r in requests if r.phase == name and r.instance == instance]
                if not of_phase:
                    continue
                statuses = collections.Counter(str(r.status) if r.status else r.error.split(" ")[0] for r in of_phase)
                outcomes = collections.Counter(r.outcome for r in of_phase if r.outcome != "ok")
                latency = max((r.duration for r in of_phase if r.status), default=0)
                text = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
                if outcomes:
                    text += " | " + ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items()))
                print(f"  {name:<11} {length:>5.1f} s  {instance:<2} {len(of_phase):>8}  {text:<64} {latency:>9.3f} s")
        answered = [r for r in requests if r.status]
        during_faults = [r for r in requests if r.phase in {p[0] for p in fault_phases}]
        unavailable = [r for r in requests if r.status == 503]
        print(f"  all: {len(requests)} requests, {len(answered)} answered, max latency "
              f"{max((r.duration for r in answered), default=0):.3f} s (bound {self.bound:g} s + 1 s), "
              f"{sum(1 for r in requests if r.error == 'refused')} connection-refused (not answers), "
              f"{sum(1 for r in requests if r.outcome == 'lost-with-instance')} lost with the killed instance")
        print(f"  requests during faults: {len(during_faults)}; 503s: {len(unavailable)} "
              f"({sum(1 for r in unavailable if r.retry_after)} with Retry-After, "
              f"{sum(1 for r in unavailable if not r.retry_after)} without); other 5xx: "
              f"{sum(1 for r in answered if r.status >= 500 and r.status != 503)}; failed requests: {request_summary['failed']}")
        print(f"\n/readyz following the database (polled every {ReadinessPoller.interval * 1000:.0f} ms: at most X s, at least Y; "
              f"limit {self.args.readyz_limit:g} s; the database's instants from its own log):")
        for fault, instance, direction, interval in self.readyz_follow:
            print(f"  {fault:<11} {instance}: {direction:<36} {span(interval)}")
        slow = [d for p in self.pollers for _, s, d in p.samples if d > 1.0]
        print(f"  /readyz polls: {sum(len(p.samples) for p in self.pollers)}, slowest {max((d for p in self.pollers for _, _, d in p.samples), default=0):.3f} s"
              f"{f', {len(slow)} over 1 s' if slow else ''}")
        print("\nafterwards:")
        print(f"  tokens received and introspected active: {tokens_checked}")
        if log_summary:
            print(f"  flows checked (of received tokens): {log_summary['flows_checked']}; flows in the log: {log_summary['flows']}; "
                  f"half-written: {log_summary['half_written']}")
            print(f"  events in the log: {log_summary['events']} in {log_summary['streams']} streams; "
                  + ", ".join(f"{k} {v}" for k, v in sorted(log_summary['by_type'].items())))
            print(f"  codes: {len(self.run_.codes)} received, {log_summary['codes_issued']} issued in the log; tokens: "
                  f"{tokens_checked} received, {log_summary['tokens_issued']} issued in the log ({log_summary['unheard']} "
                  f"never heard by the client, {log_summary['revoked_unheard']} of them revoked by a retried redemption)")
            print(f"  events lost: {log_summary['lost']} (received codes without AuthorizationCodeIssued, received tokens "
                  "without TokensIssued or a complete flow)")
        print(f"  checkpoint files (each instance ships every checkpoint): {'; '.join(self.shipping_results)}")
        for line in verify:
            print(f"  {line}")
        print(f"  projections rebuild --verify: {projections}")
        print(f"  one flow per instance after the load: {'; '.join(self.probe_results)}")
        print(f"  {stopped}")
        if errors:
            print("  errors the instances logged (expected under these faults; the requests above are what is judged):")
            for kind, count in errors.most_common(12):
                print(f"    {count:>5}  {kind[:160]}")


def fmt(seconds: float | None) -> str:
    return "never" if seconds is None else f"{seconds:.2f} s"


def span(interval: tuple[float, float] | None) -> str:
    """A follow time measured by polling: (at least, at most)."""
    return "never" if interval is None else f"{interval[1]:.3f} s (>= {interval[0]:.3f})"


def pool_reconnect_backoff(refused_for: float) -> float:
    """The longest a PostgresNIO pool (1.33) may still wait before its next connection attempt when
    the database takes connections again after refusing them for `refused_for` seconds: its n-th
    failure in a row waits 100 ms x 1.25^(n-1) (+-3 %, at most 60 s), so the wait in progress grows
    with the outage (README, /readyz). Counted with the shortest waits (the most failures), and no
    time for the attempts themselves: an upper bound."""
    elapsed, attempt = 0.0, 1
    while True:
        wait = min(0.1 * 1.25 ** (attempt - 1), 60.0)
        if elapsed + wait * 0.97 >= refused_for:
            return wait * 1.03
        elapsed += wait * 0.97
        attempt += 1


def within(interval: tuple[float, float] | None, limit: float) -> bool:
    """Within the limit unless the poll proves it was not (it changed only after the limit)."""
    return interval is not None and interval[0] <= limit


def last_shipped(path: str) -> tuple[int, float | None]:
    """The seal of a checkpoint file's last whole line and when it was signed (run time)."""
    try:
        with open(path, "rb") as f:
            lines = [l for l in f.read().split(b"\n")[:-1] if l]
    except (FileNotFoundError, OSError):
        return 0, None
    if not lines:
        return 0, None
    last = json.loads(lines[-1])
    return last["seal_seq"], last["signed_at_us"] / 1e6 - WALL_AT_T0


def checkpoint_file_state(path: str) -> tuple[int, bool]:
    """(the seal of the file's last whole line, whether a torn line follows it)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return 0, False
    lines = data.split(b"\n")
    torn = lines[-1] != b""
    whole = [l for l in lines[:-1] if l]
    last = json.loads(whole[-1])["seal_seq"] if whole else 0
    return last, torn


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin-dir", default=os.path.join(ROOT, ".build", "debug"), help="directory of vellum and vellum-audit")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--steady", type=float, default=3.0, help="seconds of steady load before, between and after the faults")
    parser.add_argument("--kill-down", type=float, default=3.0, help="seconds A stays dead")
    parser.add_argument("--db-down", type=float, default=3.0, help="seconds the database stays down in the outage fault")
    parser.add_argument("--exhaust-hold", type=float, default=8.0, help="seconds every connection slot stays taken")
    parser.add_argument("--disk-hold", type=float, default=5.0, help="seconds B's checkpoint disk stays full")
    parser.add_argument("--readyz-limit", type=float, default=1.0, help="seconds /readyz may take to follow the database")
    parser.add_argument("--stop-grace", type=float, default=30.0, help="seconds an instance may take to stop on SIGTERM")
    parser.add_argument("--keep", action="store_true", help="keep the data directory and the servers' logs")
    args = parser.parse_args()
    for tool in ("vellum", "vellum-audit"):
        if not os.access(os.path.join(args.bin_dir, tool), os.X_OK):
            print(f"no executable {tool} in {args.bin_dir} (swift build, or pass --bin-dir)", file=sys.stderr)
            return 2
    args.bin_dir = os.path.abspath(args.bin_dir)
    run = FaultRun(args)

    def interrupted(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupted)
    try:
        return run.execute()
    except KeyboardInterrupt:
        log("interrupted; cleaning up")
        run.cleanup(keep=True)
        return 130
    finally:
        run.cleanup(keep=args.keep or bool(run.failures))


if __name__ == "__main__":
    sys.exit(main())
