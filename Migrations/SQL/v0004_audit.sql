-- Completeness (DESIGN.md §5) and the auditors' search indexes (DESIGN.md §4), both written by
-- asynchronous catch-up projections from the gap-safe order of the log.

-- Where each catch-up projection has read to, written in the same transaction as its rows.
CREATE TABLE projection_checkpoints (
    name     text PRIMARY KEY,
    tx_id    xid8   NOT NULL,
    position bigint NOT NULL
);

-- The global chain over every event: chain_n = SHA-256(chain_{n-1} || u64(seal_seq) || event_hash).
-- stream_id and stream_version record what was sealed, to tell a reordered or deleted event.
CREATE TABLE seals (
    seal_seq       bigint PRIMARY KEY CHECK (seal_seq >= 1),
    position       bigint NOT NULL UNIQUE,
    chain_hash     bytea  NOT NULL CHECK (length(chain_hash) = 32),
    stream_id      text   NOT NULL,
    stream_version bigint NOT NULL
);

-- Signed checkpoints of the seal chain: Ed25519 over
-- "vellum-checkpoint-v1" || u64(seal_seq) || chain_hash || i64(signed_at microseconds).
CREATE TABLE checkpoints (
    seal_seq   bigint PRIMARY KEY,
    chain_hash bytea       NOT NULL,
    signed_at  timestamptz NOT NULL,
    key_id     text        NOT NULL,
    signature  bytea       NOT NULL
);

-- The audit signing key's private half, encrypted under the master key (its public half is an
-- event of the `audit` stream). Not a projection.
CREATE TABLE audit_key_secrets (
    key_id                text PRIMARY KEY,
    encrypted_private_key bytea       NOT NULL,
    created_at            timestamptz NOT NULL DEFAULT now()
);

-- Search indexes: every code, access token and refresh token ever issued, to its flow (never pruned:
-- an investigator often holds only a leaked token) ...
CREATE TABLE audit_tokens (
    token_key text PRIMARY KEY,  -- code hash, access token jti, or refresh token hash
    kind      text NOT NULL,     -- authorization_code, access_token, refresh_token
    flow_id   text NOT NULL
);

-- ... and every flow, by user, client and time, with its outcome so far.
CREATE TABLE audit_flows (
    flow_id      text PRIMARY KEY,
    client_id    text        NOT NULL,
    user_id      text,
    username     text,
    remote_ip    text,
    started_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    outcome      text        NOT NULL
);
CREATE INDEX audit_flows_user ON audit_flows (user_id, started_at DESC);
CREATE INDEX audit_flows_username ON audit_flows (username, started_at DESC);
CREATE INDEX audit_flows_client ON audit_flows (client_id, started_at DESC);
CREATE INDEX audit_flows_ip ON audit_flows (remote_ip, started_at DESC);
CREATE INDEX audit_flows_started ON audit_flows (started_at DESC);

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'vellum_app') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON projection_checkpoints, audit_tokens, audit_flows TO vellum_app;
        GRANT SELECT, INSERT ON seals, checkpoints, audit_key_secrets TO vellum_app;
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'vellum_auditor') THEN
        GRANT SELECT ON projection_checkpoints, seals, checkpoints, audit_tokens, audit_flows TO vellum_auditor;
    END IF;
END;
$$;

-- Seals and checkpoints are as append-only as the log they vouch for.
CREATE TRIGGER seals_refuse_update_delete BEFORE UPDATE OR DELETE ON seals
    FOR EACH ROW EXECUTE FUNCTION vellum_refuse_event_change();
CREATE TRIGGER seals_refuse_truncate BEFORE TRUNCATE ON seals
    FOR EACH STATEMENT EXECUTE FUNCTION vellum_refuse_event_change();
CREATE TRIGGER checkpoints_refuse_update_delete BEFORE UPDATE OR DELETE ON checkpoints
    FOR EACH ROW EXECUTE FUNCTION vellum_refuse_event_change();
CREATE TRIGGER checkpoints_refuse_truncate BEFORE TRUNCATE ON checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION vellum_refuse_event_change();
