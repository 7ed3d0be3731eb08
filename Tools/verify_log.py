#!/usr/bin/env python3
"""Verify a Vellum event log from its export, as `vellum-audit verify` does, outside Vellum.

    vellum-audit export --format jsonl > log.jsonl
    python3 Tools/verify_log.py log.jsonl [--audit-key FILE.pub|FINGERPRINT]... [--checkpoints FILE]
                                          [--unsealed-grace SECONDS]
    vellum-audit export --format jsonl | python3 Tools/verify_log.py - --audit-key audit.pub

Needs Python 3.8+ and the `cryptography` package (Ed25519); everything else is the standard
library. Without `cryptography` it refuses to run (exit 3): a log is never called valid without
its signatures checked.

The input is a whole export (no --since/--until): one JSON object per event, in position order,
then one line per seal whose event is gone ({"record": "seal"}), per stream head ("head") and per
signed checkpoint ("checkpoint").

Formulas (docs/auditing.md; integers big-endian, strings UTF-8 as stored, lengths in bytes):

    event hash  hash = SHA-256(prev || u32(len(stream_id)) || stream_id || u64(stream_version)
                               || u32(len(type)) || type || i64(recorded_at_us)
                               || u32(len(payload)) || payload || u32(len(metadata)) || metadata)
                prev = the previous event's recomputed hash in its stream, 32 zero bytes for version 1
    seal chain  chain_n = SHA-256(chain_{n-1} || u64(seal_seq) || event_hash), chain_0 = 32 zero bytes
    checkpoint  Ed25519 over "vellum-checkpoint-v1" || u64(seal_seq) || chain_hash || i64(signed_at_us)
    key id      first 16 hex digits of SHA-256(base64url(raw public key), without padding)
    fingerprint hex SHA-256(raw 32-byte public key)

Checks, with the fault kinds of `vellum-audit verify` (ChainFault):
  * each stream, in version order: a version gap is `missing` (at the first event after the gap),
    a stored hash unlike the recomputed one `altered`; then its head: past the last event is
    `truncated` (at the last event), another hash `head mismatch`; a head with no event left is
    `truncated` at no position;
  * the seal chain, in seal_seq order, from the events' stored hashes: a seal_seq gap is
    `seal chain broken`; the first recomputed chain unlike the stored `seal_chain` is `altered`; an
    event that is not the one sealed at its position (`sealed_as`) is `reordered`; a seal whose
    event is gone is `missing`, or `deleted stream` when its stream has no head either;
  * each checkpoint (the export's, then the --checkpoints file's): signed by a trusted key, and
    equal to the recomputed chain at its seal_seq, else `checkpoint mismatch`;
  * anchored (--audit-key or --checkpoints given): every event recorded before now - grace has a
    seal_seq at or below the newest valid trusted checkpoint, else
    `not covered by a trusted checkpoint`;
  * every event recorded before now - grace is sealed, else `unsealed`.

Trusted keys: the pinned ones (--audit-key) if any, else the keys of the `AuditKeyCreated` events of
the `audit` stream (which proves the log only against itself). A checkpoint is matched to the key
whose id is its key_id; with pinned keys, one whose key_id names none of them still counts when a
pinned key verifies its signature (the key id is a label, the signature the proof).

Faults are reported by position (no position last), the most specific kind first at one position.

Exit status: 0 valid and anchored; 1 a fault (the first one is named); 2 no fault, but no anchor;
3 the `cryptography` package is missing; 64 bad arguments or an unreadable input.

Memory: the stream states, one compact row per event and one per seal (a few hundred bytes each).
"""
import argparse
import base64
import binascii
import hashlib
import heapq
import json
import os
import re
import struct
import sys
import time

EXIT_VALID, EXIT_FAULT, EXIT_UNANCHORED, EXIT_NO_CRYPTOGRAPHY, EXIT_USAGE = 0, 1, 2, 3, 64

GENESIS = bytes(32)
CHECKPOINT_PREFIX = b"vellum-checkpoint-v1"
AUDIT_STREAM = "audit"
AUDIT_KEY_CREATED = "AuditKeyCreated"

# At one position, the more specific finding comes first (ChainFault.specificity).
SPECIFICITY = {
    "deleted stream": 0,
    "reordered": 1,
    "missing": 2,
    "truncated": 3,
    "altered": 4,
    "head mismatch": 5,
    "seal chain broken": 6,
    "unsealed": 7,
    "checkpoint mismatch": 8,
    "not covered by a trusted checkpoint": 9,
}

HEX = re.compile(r"\A(?:[0-9a-fA-F]{2})*\Z")


class InputError(Exception):
    """The arguments or the input cannot be used (exit 64)."""


# ---------------------------------------------------------------------------------------------
# Faults


class Fault:
    """A ChainFault: kind, position (None: none), stream ("" for the seal chain), version (0: none), detail."""

    __slots__ = ("kind", "position", "stream_id", "version", "detail")

    def __init__(self, kind, position, stream_id="", version=0, detail=""):
        assert kind in SPECIFICITY, kind
        self.kind, self.position, self.stream_id, self.version, self.detail = kind, position, stream_id, version, detail

    def order(self):
        return (self.position is None, self.position or 0, SPECIFICITY[self.kind])

    def __str__(self):
        at = "no position" if self.position is None else f"position {self.position}"
        context = []
        if self.stream_id:
            context.append(f"{self.stream_id} version {self.version}" if self.version > 0 else self.stream_id)
        if self.detail:
            context.append(self.detail)
        return f"{self.kind} at {at}" + (f" ({', '.join(context)})" if context else "")


def report_order(faults):
    """By position, faults of no position last, the most specific first (a stable sort)."""
    return sorted(faults, key=Fault.order)


# ---------------------------------------------------------------------------------------------
# Formulas


def u64(n):
    return struct.pack(">Q", n & 0xFFFFFFFFFFFFFFFF)


def length_prefixed(text):
    data = text.encode("utf-8")
    return struct.pack(">I", len(data)) + data


def event_body(e):
    """Everything an event's hash covers after `prev`."""
    return (length_prefixed(e["stream_id"]) + u64(e["stream_version"]) + length_prefixed(e["type"])
            + u64(e["recorded_at_us"]) + length_prefixed(e["payload_text"]) + length_prefixed(e["metadata_text"]))


def event_hash(prev, body):
    return hashlib.sha256(prev + body).digest()


def seal_chain_next(previous, seal_seq, event_hash_bytes):
    return hashlib.sha256(previous + u64(seal_seq) + event_hash_bytes).digest()


def checkpoint_message(c):
    return CHECKPOINT_PREFIX + u64(c.seal_seq) + c.chain_hash + u64(c.signed_at_us)


def base64url_encode(raw):
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def base64url_decode(text):
    """Bytes of base64url text, with or without padding; None when it is not base64url."""
    if not isinstance(text, str):
        return None
    standard = text.replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def key_id(raw):
    """The key id Vellum gives a public key (AuditKeyFile.keyID)."""
    return hashlib.sha256(base64url_encode(raw).encode("ascii")).hexdigest()[:16]


def fingerprint(raw):
    """The fingerprint an auditor pins (AuditKeyFile.fingerprint)."""
    return hashlib.sha256(raw).hexdigest()


# ---------------------------------------------------------------------------------------------
# Ed25519 (the `cryptography` package)


def load_ed25519():
    """The Ed25519 public key class, or exit 3: never say valid without checking signatures."""
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        print("verify_log.py needs the Python package `cryptography` to check the checkpoints' Ed25519 "
              "signatures; install it (pip install cryptography, or apt-get install python3-cryptography) "
              "and run again", file=sys.stderr)
        sys.exit(EXIT_NO_CRYPTOGRAPHY)
    return Ed25519PublicKey


class PublicKey:
    """A raw Ed25519 public key, its id and fingerprint."""

    def __init__(self, raw, ed25519):
        self.raw = raw
        self.key = ed25519.from_public_bytes(raw)  # raises ValueError unless 32 bytes
        self.key_id = key_id(raw)
        self.fingerprint = fingerprint(raw)

    def verifies(self, signature, message):
        try:
            self.key.verify(signature, message)
            return True
        except Exception:  # InvalidSignature, or a signature of the wrong length
            return False


def public_key(text, ed25519):
    """The key of base64url `text`, or None when it is not a raw Ed25519 public key."""
    raw = base64url_decode(text)
    if raw is None or len(raw) != 32:
        return None
    try:
        return PublicKey(raw, ed25519)
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# Reading


class Checkpoint:
    __slots__ = ("seal_seq", "chain_hash", "signed_at_us", "key_id", "signature", "source")

    def __init__(self, seal_seq, chain_hash, signed_at_us, key_id, signature, source):
        self.seal_seq, self.chain_hash, self.signed_at_us = seal_seq, chain_hash, signed_at_us
        self.key_id, self.signature, self.source = key_id, signature, source


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def hex_bytes(value):
    """Bytes of an even run of hex digits, or None."""
    if not isinstance(value, str) or not HEX.match(value):
        return None
    return bytes.fromhex(value)


def parse_checkpoint(obj, source):
    """A checkpoint from the fields of a checkpoint line (Checkpoint(jsonLine:)), or None."""
    if not isinstance(obj, dict):
        return None
    chain, signature = hex_bytes(obj.get("chain_hash")), hex_bytes(obj.get("signature"))
    if (not is_int(obj.get("seal_seq")) or chain is None or not is_int(obj.get("signed_at_us"))
            or not isinstance(obj.get("key_id"), str) or signature is None):
        return None
    return Checkpoint(obj["seal_seq"], chain, obj["signed_at_us"], obj["key_id"], signature, source)


def read_checkpoint_file(path):
    """The checkpoints of a shipped file (CheckpointShipper.read): a torn last line (no newline) is
    left out; any other line that is not a checkpoint is an error."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as error:
        raise InputError(f"cannot read the checkpoint file {path}: {error.strerror}")
    checkpoints = []
    lines = data.split(b"\n")
    for number, line in enumerate(lines[:-1], start=1):  # the last piece has no newline: torn or empty
        try:
            obj = json.loads(line.decode("utf-8"))
        except ValueError:
            obj = None
        checkpoint = parse_checkpoint(obj, "shipped")
        if checkpoint is None:
            raise InputError(f"{path}:{number} is not a checkpoint line")
        checkpoints.append(checkpoint)
    if not checkpoints:
        raise InputError("the checkpoint file holds no checkpoint")
    return checkpoints


class StreamWalk:
    """One stream's chain, recomputed in version order (StreamChainWalker). Events normally arrive
    in version order; one that arrives early waits in `pending` until the versions before it have."""

    __slots__ = ("stream_id", "version", "position", "hash", "fault", "pending")

    def __init__(self, stream_id):
        self.stream_id, self.version, self.position, self.hash = stream_id, 0, None, GENESIS
        self.fault, self.pending = None, None

    def take(self, version, position, stored_hash, body):
        if self.fault is not None:
            return
        if version <= self.version or (self.pending and version in self.pending):
            raise InputError(f"the export holds {self.stream_id} version {version} twice")
        if version != self.version + 1:
            self.pending = self.pending or {}
            self.pending[version] = (position, stored_hash, body)
            return
        self.next(version, position, stored_hash, body)
        while self.fault is None and self.pending and self.version + 1 in self.pending:
            self.next(self.version + 1, *self.pending.pop(self.version + 1))

    def next(self, version, position, stored_hash, body):
        # Chain from the recomputed hash, not the stored one: an altered event whose stored hash
        # was recomputed by the tamperer is still caught at that event.
        expected = event_hash(self.hash, body)
        if expected != stored_hash:
            self.fault = Fault("altered", position, self.stream_id, version)
        self.version, self.position, self.hash = version, position, expected

    def finish(self):
        """The first version present after a gap is where the stream breaks."""
        if self.fault is None and self.pending:
            first = min(self.pending)
            self.fault = Fault("missing", self.pending[first][0], self.stream_id, self.version + 1)
        self.pending = None


class SealRow:
    """A seal, in seal order: its event's stored hash (None: the event is gone), the chain stored
    with the seal, and what the seal recorded (stream, version)."""

    __slots__ = ("seal_seq", "position", "stored_chain", "event_hash", "stream_id", "version", "in_place")

    def __init__(self, seal_seq, position, stored_chain, event_hash_bytes, stream_id, version, in_place):
        self.seal_seq, self.position, self.stored_chain, self.event_hash = seal_seq, position, stored_chain, event_hash_bytes
        self.stream_id, self.version, self.in_place = stream_id, version, in_place


class Export:
    """What a whole export holds, read in one pass."""

    def __init__(self):
        self.streams = {}        # stream_id -> StreamWalk
        self.events = []         # (position, stream_id, version, recorded_at_us, seal_seq, tx_id), in input order
        self.seals = []          # SealRow
        self.heads = {}          # stream_id -> (version, head hash bytes or None)
        self.checkpoints = []    # Checkpoint, source "database"
        self.audit_keys = []     # (key_id, public_key text) of the audit stream's AuditKeyCreated events
        self.records = 0         # record lines read
        self.horizon = None      # the export's gap-safe horizon: events at or above it were not sealable yet


def require(obj, name, kind, where):
    value = obj.get(name)
    ok = is_int(value) if kind is int else isinstance(value, kind)
    if not ok:
        raise InputError(f"{where}: `{name}` is missing or not {'an integer' if kind is int else 'a string'}")
    return value


def require_hex(obj, name, where, optional=False):
    value = obj.get(name)
    if value is None and optional:
        return None
    data = hex_bytes(value)
    if data is None:
        raise InputError(f"{where}: `{name}` is not hex")
    return data


def read_event(export, e, where):
    stream_id = sys.intern(require(e, "stream_id", str, where))
    version = require(e, "stream_version", int, where)
    position = require(e, "position", int, where)
    recorded_at_us = require(e, "recorded_at_us", int, where)
    for name in ("type", "payload_text", "metadata_text"):
        require(e, name, str, where)
    stored_hash = require_hex(e, "hash", where)
    seal_seq = e.get("seal_seq")
    if seal_seq is not None and not is_int(seal_seq):
        raise InputError(f"{where}: `seal_seq` is not an integer")

    walk = export.streams.get(stream_id)
    if walk is None:
        walk = export.streams[stream_id] = StreamWalk(stream_id)
    walk.take(version, position, stored_hash, event_body(e))
    tx_id = e.get("tx_id")
    export.events.append((position, stream_id, version, recorded_at_us, seal_seq, tx_id if is_int(tx_id) else None))

    if seal_seq is not None:
        sealed_as = e.get("sealed_as")
        if sealed_as is None:
            sealed_stream, sealed_version, in_place = stream_id, version, True
        else:
            if not isinstance(sealed_as, dict):
                raise InputError(f"{where}: `sealed_as` is not an object")
            sealed_stream = require(sealed_as, "stream_id", str, where)
            sealed_version = require(sealed_as, "stream_version", int, where)
            in_place = sealed_stream == stream_id and sealed_version == version
        # An export from before `seal_chain` existed has no stored chain to compare with.
        stored_chain = require_hex(e, "seal_chain", where, optional=True)
        export.seals.append(SealRow(seal_seq, position, stored_chain, stored_hash, sealed_stream, sealed_version, in_place))

    if stream_id == AUDIT_STREAM and e["type"] == AUDIT_KEY_CREATED:
        try:
            payload = json.loads(e["payload_text"])
        except ValueError:
            payload = None
        if isinstance(payload, dict) and isinstance(payload.get("key_id"), str):
            export.audit_keys.append((payload["key_id"], payload.get("public_key")))


def read_record(export, r, where):
    export.records += 1
    kind = r["record"]
    if kind == "seal":
        stream_id = sys.intern(require(r, "stream_id", str, where))
        export.seals.append(SealRow(require(r, "seal_seq", int, where), require(r, "position", int, where),
                                    require_hex(r, "chain_hash", where), None,
                                    stream_id, require(r, "stream_version", int, where), False))
    elif kind == "head":
        export.heads[require(r, "stream_id", str, where)] = (
            require(r, "version", int, where), require_hex(r, "head_hash", where, optional=True))
    elif kind == "horizon":
        export.horizon = require(r, "tx_id", int, where)
    elif kind == "checkpoint":
        checkpoint = parse_checkpoint(r, "database")
        if checkpoint is None:
            raise InputError(f"{where}: not a checkpoint record")
        export.checkpoints.append(checkpoint)
    else:
        print(f"note: {where}: record `{kind}` is not known to this script; skipped", file=sys.stderr)


def read_export(stream, name):
    export = Export()
    for number, raw in enumerate(stream, start=1):
        where = f"{name}:{number}"
        try:
            line = raw.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise InputError(f"{where} is not UTF-8")
        if not line:
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            raise InputError(f"{where} is not JSON")
        if not isinstance(obj, dict):
            raise InputError(f"{where} is not a JSON object")
        if "record" in obj:
            read_record(export, obj, where)
        else:
            read_event(export, obj, where)
    for walk in export.streams.values():
        walk.finish()
    if export.events and export.records == 0:
        print("note: the export holds no head, seal or checkpoint record: only a whole export "
              "(no --since/--until) can be verified", file=sys.stderr)
    return export


# ---------------------------------------------------------------------------------------------
# Checks


def check_streams(export):
    """Every stream's chain, then its head (ChainVerifier). Only heads of version > 0 count."""
    faults = []
    heads = {s: h for s, h in export.heads.items() if h[0] > 0}
    for walk in export.streams.values():
        head = heads.pop(walk.stream_id, None)
        if walk.fault is not None:
            faults.append(walk.fault)
        elif head is None:
            continue
        elif head[0] > walk.version:
            faults.append(Fault("truncated", walk.position, walk.stream_id, walk.version + 1))
        elif head[0] != walk.version or head[1] != walk.hash:
            faults.append(Fault("head mismatch", walk.position, walk.stream_id, walk.version))
    # Heads with no event left at all: the whole stream's events are gone.
    for stream_id, (version, _) in heads.items():
        faults.append(Fault("truncated", None, stream_id, version))
    return report_order(faults)


def check_seal_chain(export):
    """The seal chain in seal order (SealVerifier): returns the faults and the recomputed chain at
    each seal_seq it still reaches."""
    faults = []
    chain_at = {}
    chain, expected_seq, broken = GENESIS, 1, False
    vanished, moved, altered, gap = [], [], None, None
    for seal in sorted(export.seals, key=lambda s: s.seal_seq):
        if seal.seal_seq != expected_seq and not broken:
            gap = (expected_seq, seal.seal_seq - 1, seal.position)
            broken = True
        expected_seq = seal.seal_seq + 1
        if seal.event_hash is None:
            vanished.append(seal)
            broken = True
            continue
        if not seal.in_place:
            moved.append(seal)
        chain = seal_chain_next(chain, seal.seal_seq, seal.event_hash)
        if not broken and seal.stored_chain is not None and chain != seal.stored_chain:
            altered = seal
            broken = True
        chain_at[seal.seal_seq] = chain

    if gap:
        faults.append(Fault("seal chain broken", gap[2], detail=f"seals {gap[0]}\u2026{gap[1]} are missing"))
    if altered:
        # The chain held up to the previous seal, so this event's hash is not the one sealed.
        faults.append(Fault("altered", altered.position, altered.stream_id, altered.version,
                            f"its hash differs from the one sealed as {altered.seal_seq}"))
    for seal in moved[:100]:
        faults.append(Fault("reordered", seal.position, seal.stream_id, seal.version, "the event there is not the one sealed"))
    # A sealed event that is gone: missing, or its whole stream deleted (head and all).
    remaining = {s for s, (version, _) in export.heads.items() if version > 0}
    for seal in vanished[:1000]:
        faults.append(Fault("missing" if seal.stream_id in remaining else "deleted stream", seal.position,
                            seal.stream_id, seal.version, f"sealed as {seal.seal_seq}"))
    return faults, chain_at


def trusted_keys(export, pinned, ed25519):
    """key_id -> PublicKey: the pinned keys, else the `audit` stream's (the last one of an id wins)."""
    if pinned:
        return pinned
    keys = {}
    for kid, text in export.audit_keys:
        key = public_key(text, ed25519)
        if key is not None:
            keys[kid] = key
    return keys


def check_checkpoint(c, recomputed, keys, pinned):
    """None when `c` is signed by a trusted key and matches the recomputed chain, else the fault."""
    def fault(why):
        return Fault("checkpoint mismatch", None, detail=f"{c.source} checkpoint at seal {c.seal_seq}: {why}")

    message = checkpoint_message(c)
    key = keys.get(c.key_id)
    if key is None:
        # A pinned key is trusted by its bytes, not its label: it vouches if its signature holds.
        if not (pinned and any(k.verifies(c.signature, message) for k in keys.values())):
            return fault(f"signed by audit key {c.key_id}, which is not trusted")
    elif not key.verifies(c.signature, message):
        return fault("the signature does not verify")
    if recomputed is None:
        return fault("the seal chain no longer reaches it")
    if recomputed != c.chain_hash:
        return fault("the seal chain differs")
    return None


def check_checkpoints(checkpoints, chain_at, keys, pinned):
    """Each checkpoint (database, then shipped); returns the faults and the newest seal_seq a valid,
    trusted checkpoint vouches for (0: none)."""
    faults, covered, trusted = [], 0, set()
    for c in checkpoints:
        fault = check_checkpoint(c, chain_at.get(c.seal_seq), keys, pinned)
        if fault:
            faults.append(fault)
        else:
            covered = max(covered, c.seal_seq)
            trusted.add(c.seal_seq)
    return faults, covered, trusted


def check_spacing(trusted, spacing):
    """Anchored only: the sealer signs at least every `spacing` seals, so a wider gap between
    trusted checkpoints (from seal 0) means some were removed."""
    previous = 0
    for seq in sorted(trusted):
        if seq - previous > spacing:
            return [Fault("not covered by a trusted checkpoint", None, "", 0,
                          f"no trusted checkpoint between seals {previous} and {seq}")]
        previous = seq
    return []


def sealable(export, e):
    """Whether the sealer could have read the event when the export was taken: below the horizon
    (a long transaction anywhere in the cluster holds it back; that is a delay, not tampering)."""
    return export.horizon is None or e[5] is None or e[5] < export.horizon


def check_coverage(export, cutoff_us, covered):
    """Anchored only: the first event recorded before the cutoff with no seal_seq at or below
    `covered`."""
    candidates = [e for e in export.events if e[3] < cutoff_us and (e[4] is None or e[4] > covered) and sealable(export, e)]
    if not candidates:
        return []
    position, stream_id, version, _, seq, _ = min(candidates)
    if covered == 0:
        detail = "no checkpoint signed by a trusted key"
    else:
        detail = f"trusted checkpoints reach seal {covered}" + (f", this event is sealed as {seq}" if seq is not None else "")
    return [Fault("not covered by a trusted checkpoint", position, stream_id, version, detail)]


def check_unsealed(export, cutoff_us):
    """The first event recorded before the cutoff with no seal, and how many there are."""
    unsealed = [e for e in export.events if e[4] is None and e[3] < cutoff_us and sealable(export, e)]
    if not unsealed:
        return [], 0
    position, stream_id, version, _, _, _ = min(unsealed)
    return [Fault("unsealed", position, stream_id, version, f"{len(unsealed)} event(s) unsealed")], len(unsealed)


class Report:
    def __init__(self):
        self.faults = []
        self.seals = 0
        self.checkpoints = 0
        self.unsealed = 0
        self.covered = 0
        self.anchored = False


def verify(export, shipped, pinned, cutoff_us, ed25519, spacing=10_000):
    """Everything `vellum-audit verify` checks (LogVerifier), on an export."""
    report = Report()
    report.anchored = bool(pinned) or bool(shipped)
    stream_faults = check_streams(export)
    seal_faults, chain_at = check_seal_chain(export)
    report.seals = len(export.seals)

    checkpoints = export.checkpoints + shipped
    report.checkpoints = len(checkpoints)
    keys = trusted_keys(export, pinned, ed25519)
    checkpoint_faults, report.covered, trusted = check_checkpoints(checkpoints, chain_at, keys, pinned)
    seal_faults += checkpoint_faults
    if report.anchored:
        seal_faults += check_coverage(export, cutoff_us, report.covered)
        seal_faults += check_spacing(trusted, spacing)
    unsealed_faults, report.unsealed = check_unsealed(export, cutoff_us)
    seal_faults += unsealed_faults

    report.faults = report_order(stream_faults + seal_faults)
    return report


# ---------------------------------------------------------------------------------------------
# Pinned keys


def load_key_file(path, ed25519):
    try:
        with open(path, "rb") as f:
            obj = json.loads(f.read().decode("utf-8"))
    except (OSError, ValueError):
        raise InputError(f"cannot read an audit key from {path}")
    key = public_key(obj.get("public_key") if isinstance(obj, dict) else None, ed25519)
    if key is None:
        raise InputError(f"{path} holds no Ed25519 public key")
    return key


def resolve_pinned(references, export, ed25519):
    """key_id -> PublicKey for each --audit-key: a public key file, or a fingerprint matched against
    the keys the `audit` stream publishes (the fingerprint, held outside, is what makes it trusted)."""
    pinned = {}
    published = None
    for reference in references:
        if os.path.exists(reference):
            key = load_key_file(reference, ed25519)
        else:
            wanted = reference.lower()
            if not re.fullmatch(r"[0-9a-f]{64}", wanted):
                raise InputError(f"--audit-key {reference}: neither a key file nor a fingerprint (64 hex digits)")
            if published is None:
                published = [k for k in (public_key(text, ed25519) for _, text in export.audit_keys) if k is not None]
            key = next((k for k in published if k.fingerprint == wanted), None)
            if key is None:
                raise InputError(f"no audit key in the log has the fingerprint {reference}: "
                                 "the log may not be the one you expect")
        pinned[key.key_id] = key
    return pinned


# ---------------------------------------------------------------------------------------------
# Command line


class Arguments(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def parse_arguments(argv):
    parser = Arguments(prog="verify_log.py", description="Verify a Vellum log from its JSONL export.",
                       epilog="Exit: 0 valid, 1 fault, 2 unanchored, 3 `cryptography` missing, 64 usage.")
    parser.add_argument("export", nargs="?", default="-", help="the export (JSONL); - or none: standard input")
    parser.add_argument("--audit-key", action="append", default=[], metavar="FILE|FINGERPRINT",
                        help="an audit key to trust: its .pub file or its fingerprint; repeat for several")
    parser.add_argument("--checkpoints", metavar="FILE", help="a file of checkpoints shipped off the database")
    parser.add_argument("--checkpoint-events", type=int, default=10_000, metavar="N",
                        help="the most seals the sealer lets pass between two checkpoints (default 10000)")
    parser.add_argument("--unsealed-grace", type=int, default=60, metavar="SECONDS",
                        help="seconds an event may stay unsealed, or uncovered by a trusted checkpoint (default 60)")
    return parser.parse_args(argv)


def print_report(export, report, shipped, pinned, seconds):
    events, streams = len(export.events), len(export.streams)
    print(f"events:      {events} in {streams} streams")
    print(f"seals:       {report.seals}, checkpoints: {report.checkpoints} ({len(shipped)} shipped), unsealed: {report.unsealed}")
    print(f"time:        {seconds:.2f} s ({events / max(seconds, 0.001):.0f} events/s)")
    anchors = []
    if pinned:
        anchors.append("pinned key " + ", ".join(sorted(pinned)))
    if shipped:
        anchors.append(f"{len(shipped)} shipped checkpoints")
    print(f"anchor:      {' and '.join(anchors) if anchors else 'none'}")
    if report.faults:
        print("result:      FAILED")
        print(f"first fault: {report.faults[0]}")
        for fault in report.faults[1:21]:
            print(f"also:        {fault}")
        return EXIT_FAULT
    if not report.anchored:
        print("result:      unanchored: the log agrees with the database's own checkpoints and keys, which its administrator")
        print("             could have rewritten too; pin the audit key (--audit-key) or give the shipped checkpoints")
        print("             (--checkpoints) to prove it complete and unaltered")
        return EXIT_UNANCHORED
    print(f"result:      valid (covered by trusted checkpoints through seal {report.covered})")
    return EXIT_VALID


def main(argv):
    arguments = parse_arguments(argv)
    ed25519 = load_ed25519()
    for out in (sys.stdout, sys.stderr):
        if hasattr(out, "reconfigure"):
            out.reconfigure(encoding="utf-8", errors="replace")
    try:
        if arguments.export == "-" and sys.stdin.isatty():
            raise InputError("give the export's path, or pipe it in (`vellum-audit export --format jsonl | "
                             "python3 Tools/verify_log.py -`)")
        shipped = read_checkpoint_file(arguments.checkpoints) if arguments.checkpoints is not None else []
        cutoff_us = int(time.time() * 1_000_000) - arguments.unsealed_grace * 1_000_000
        start = time.monotonic()
        if arguments.export == "-":
            export = read_export(sys.stdin.buffer, "<stdin>")
        else:
            try:
                with open(arguments.export, "rb") as f:
                    export = read_export(f, arguments.export)
            except OSError as error:
                raise InputError(f"cannot read {arguments.export}: {error.strerror}")
        pinned = resolve_pinned(arguments.audit_key, export, ed25519)
        report = verify(export, shipped, pinned, cutoff_us, ed25519, arguments.checkpoint_events)
    except InputError as error:
        print(f"verify_log.py: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    return print_report(export, report, shipped, pinned, time.monotonic() - start)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Exception:  # a bug here must never read as a verdict (1 is "a fault")
        import traceback
        traceback.print_exc()
        print("verify_log.py failed unexpectedly: no verdict", file=sys.stderr)
        sys.exit(70)
