-- Inline projections (DESIGN.md §4): written in the same transaction as the events they derive
-- from, rebuilt from the log by `vellum projections rebuild`. Secrets appear only as SHA-256 hex.

-- Microseconds since the Unix epoch to timestamptz, exactly (no floating-point seconds).
CREATE FUNCTION vellum_ts(microseconds bigint) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT timestamptz 'epoch' + microseconds * interval '1 microsecond' $$;

CREATE TABLE clients (
    client_id     text PRIMARY KEY,
    name          text        NOT NULL,
    redirect_uris text[]      NOT NULL,
    is_public     boolean     NOT NULL,
    auth_method   text        NOT NULL,
    scope         text[]      NOT NULL,
    grant_types   text[]      NOT NULL,
    secret_hash   text,
    disabled      boolean     NOT NULL DEFAULT false,
    registered_at timestamptz NOT NULL
);

CREATE TABLE users (
    user_id       text PRIMARY KEY,
    username      text        NOT NULL UNIQUE,
    password_hash text        NOT NULL,
    disabled      boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL
);

CREATE TABLE sessions (
    session_id  text PRIMARY KEY,
    secret_hash text        NOT NULL UNIQUE,
    user_id     text        NOT NULL,
    started_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    ended_at    timestamptz
);

CREATE TABLE authorization_codes (
    code_hash   text PRIMARY KEY,
    flow_id     text        NOT NULL,
    client_id   text        NOT NULL,
    issued_at   timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    redeemed_at timestamptz
);
CREATE INDEX authorization_codes_expiry ON authorization_codes (expires_at);

CREATE TABLE access_tokens (
    jti        text PRIMARY KEY,
    flow_id    text        NOT NULL,
    client_id  text        NOT NULL,
    subject    text        NOT NULL,
    scope      text[]      NOT NULL,
    issued_at  timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz
);
CREATE INDEX access_tokens_flow ON access_tokens (flow_id);
CREATE INDEX access_tokens_expiry ON access_tokens (expires_at);

CREATE TABLE consents (
    user_id    text        NOT NULL,
    client_id  text        NOT NULL,
    scope      text[]      NOT NULL,
    granted_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, client_id)
);

CREATE TABLE signing_keys (
    kid          text PRIMARY KEY,
    algorithm    text        NOT NULL,
    public_jwk   text        NOT NULL,
    created_at   timestamptz NOT NULL,
    activated_at timestamptz,
    retired_at   timestamptz
);

-- Not a projection: the private halves of the signing keys, encrypted (AES-GCM) under the master
-- key. They never enter the log; the log records each key's public half.
CREATE TABLE signing_key_secrets (
    kid                   text PRIMARY KEY,
    encrypted_private_key bytea       NOT NULL,
    created_at            timestamptz NOT NULL DEFAULT now()
);

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'vellum_app') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON clients, users, sessions, authorization_codes, access_tokens,
            consents, signing_keys, signing_key_secrets TO vellum_app;
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'vellum_auditor') THEN
        GRANT SELECT ON clients, sessions, authorization_codes, access_tokens, consents, signing_keys
            TO vellum_auditor;
        -- Auditors see who the users are, not their bcrypt hashes.
        GRANT SELECT (user_id, username, disabled, created_at) ON users TO vellum_auditor;
    END IF;
END;
$$;
