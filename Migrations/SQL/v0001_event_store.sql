-- Vellum event store (DESIGN.md §3). The table and column names are a contract for auditors' SQL.

CREATE TABLE events (
    position       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tx_id          xid8        NOT NULL DEFAULT pg_current_xact_id(),
    stream_id      text        NOT NULL,
    stream_version bigint      NOT NULL CHECK (stream_version >= 1),
    type           text        NOT NULL,
    recorded_at    timestamptz NOT NULL,
    -- json, not jsonb: it keeps the exact bytes that were hashed.
    payload        json        NOT NULL,
    metadata       json        NOT NULL,
    hash           bytea       NOT NULL CHECK (length(hash) = 32),
    UNIQUE (stream_id, stream_version)
);

-- The gap-safe order for tailing readers: (tx_id, position) below the oldest running transaction.
CREATE INDEX events_tx_order ON events (tx_id, position);

-- Per-stream optimistic concurrency and the head of each stream's hash chain.
CREATE TABLE streams (
    stream_id text   PRIMARY KEY,
    version   bigint NOT NULL CHECK (version >= 0),
    head_hash bytea
);

-- The log is append-only for everyone: only a superuser who disables these triggers can alter it,
-- and the hash chains and seals exist to catch exactly that.
CREATE FUNCTION vellum_refuse_event_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the event log is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER events_refuse_update_delete
    BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION vellum_refuse_event_change();

CREATE TRIGGER events_refuse_truncate
    BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION vellum_refuse_event_change();

-- Roles: vellum_app may only INSERT and SELECT events; vellum_auditor may only SELECT.
-- They are created where the migrating role may create roles; elsewhere an operator runs the
-- statements in docs/database-roles.md once, as a role that may.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'vellum_app') THEN
        BEGIN
            CREATE ROLE vellum_app NOLOGIN;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'cannot create role vellum_app: see docs/database-roles.md';
        END;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'vellum_auditor') THEN
        BEGIN
            CREATE ROLE vellum_auditor NOLOGIN;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'cannot create role vellum_auditor: see docs/database-roles.md';
        END;
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'vellum_app') THEN
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO vellum_app', current_schema());
        REVOKE ALL ON events FROM vellum_app;
        GRANT SELECT, INSERT ON events TO vellum_app;
        GRANT SELECT, INSERT, UPDATE ON streams TO vellum_app;
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'vellum_auditor') THEN
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO vellum_auditor', current_schema());
        GRANT SELECT ON events, streams TO vellum_auditor;
    END IF;
END;
$$;
