#!/usr/bin/env python3
"""Verify a Vellum event log from its export, with nothing but the Python standard library.

    vellum-audit export --format jsonl > log.jsonl
    python3 Tools/verify_log.py log.jsonl [--checkpoints checkpoints.jsonl]

Recomputes, straight from the published formulas (docs/auditing.md):
  * every stream's hash chain
      hash = SHA-256(prev || u32(len(stream_id)) || stream_id || u64(stream_version)
                     || u32(len(type)) || type || i64(recorded_at_us) || u32(len(payload)) || payload
                     || u32(len(metadata)) || metadata)
  * the global seal chain  chain_n = SHA-256(chain_{n-1} || u64(seal_seq) || event_hash)
  * with --checkpoints: that each shipped checkpoint's chain_hash matches the recomputed chain
    (signatures are Ed25519; they are checked too when the `cryptography` package is installed).

Prints "valid" and exits 0, or prints the first bad position and the kind of fault and exits 1.
"""
import hashlib
import json
import struct
import sys


def event_hash(prev, e):
    def field(text):
        data = text.encode("utf-8")
        return struct.pack(">I", len(data)) + data

    message = (prev + field(e["stream_id"]) + struct.pack(">Q", e["stream_version"]) + field(e["type"])
               + struct.pack(">q", e["recorded_at_us"]) + field(e["payload_text"]) + field(e["metadata_text"]))
    return hashlib.sha256(message).digest()


def verify(events, checkpoints):
    faults = []  # (position, kind, detail)

    # Stream chains, in version order.
    streams = {}
    for e in events:
        streams.setdefault(e["stream_id"], []).append(e)
    for stream_id, stream in streams.items():
        stream.sort(key=lambda e: e["stream_version"])
        prev = bytes(32)
        for expected_version, e in enumerate(stream, start=1):
            if e["stream_version"] != expected_version:
                faults.append((e["position"], "missing", f"{stream_id} version {expected_version}"))
                break
            computed = event_hash(prev, e)
            if computed.hex() != e["hash"]:
                faults.append((e["position"], "altered", f"{stream_id} version {e['stream_version']}"))
                break
            prev = computed

    # The seal chain, in seal order.
    sealed = sorted((e for e in events if e.get("seal_seq") is not None), key=lambda e: e["seal_seq"])
    chain = bytes(32)
    chain_at = {}
    for expected_seq, e in enumerate(sealed, start=1):
        if e["seal_seq"] != expected_seq:
            faults.append((e["position"], "missing", f"seal {expected_seq} has no event"))
            break
        chain = hashlib.sha256(chain + struct.pack(">Q", e["seal_seq"]) + bytes.fromhex(e["hash"])).digest()
        chain_at[e["seal_seq"]] = chain

    for c in checkpoints:
        recomputed = chain_at.get(c["seal_seq"])
        if recomputed is None or recomputed.hex() != c["chain_hash"]:
            faults.append((None, "checkpoint mismatch", f"checkpoint at seal {c['seal_seq']}"))
        elif not signature_holds(c, events):
            faults.append((None, "checkpoint mismatch", f"checkpoint at seal {c['seal_seq']}: bad signature"))

    faults.sort(key=lambda f: (f[0] is None, f[0] or 0))
    return faults


def signature_holds(c, events):
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        return True  # standard library only: the chain hash is still checked
    import base64
    for e in events:
        if e["type"] == "AuditKeyCreated":
            payload = json.loads(e["payload_text"])
            if payload["key_id"] == c["key_id"]:
                raw = base64.urlsafe_b64decode(payload["public_key"] + "=" * (-len(payload["public_key"]) % 4))
                message = (b"vellum-checkpoint-v1" + struct.pack(">Q", c["seal_seq"]) + bytes.fromhex(c["chain_hash"])
                           + struct.pack(">q", c["signed_at_us"]))
                try:
                    Ed25519PublicKey.from_public_bytes(raw).verify(bytes.fromhex(c["signature"]), message)
                    return True
                except Exception:
                    return False
    return False


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        events = [json.loads(line) for line in f if line.strip()]
    checkpoints = []
    if "--checkpoints" in argv:
        with open(argv[argv.index("--checkpoints") + 1], encoding="utf-8") as f:
            checkpoints = [json.loads(line) for line in f if line.strip()]
    faults = verify(events, checkpoints)
    print(f"events: {len(events)}, checkpoints: {len(checkpoints)}")
    if not faults:
        print("valid")
        return 0
    position, kind, detail = faults[0]
    print(f"first fault: {kind} at position {position} ({detail})")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
