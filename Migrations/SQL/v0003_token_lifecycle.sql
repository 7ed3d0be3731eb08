-- Refresh tokens, remembered consents, key retirement (issue: token lifecycle).

CREATE TABLE refresh_tokens (
    token_hash text PRIMARY KEY,
    flow_id    text        NOT NULL,
    client_id  text        NOT NULL,
    subject    text        NOT NULL,
    scope      text[]      NOT NULL,
    issued_at  timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    rotated_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);
CREATE INDEX refresh_tokens_subject_client ON refresh_tokens (subject, client_id);
CREATE INDEX access_tokens_subject_client ON access_tokens (subject, client_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- `consents` now holds the consents users asked Vellum to remember (ConsentRemembered), not every
-- grant: the grants stay in each flow's events.
DROP TABLE consents;
CREATE TABLE consents (
    user_id       text        NOT NULL,
    client_id     text        NOT NULL,
    scope         text[]      NOT NULL,
    remembered_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, client_id)
);

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'vellum_app') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON refresh_tokens, consents TO vellum_app;
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'vellum_auditor') THEN
        GRANT SELECT ON refresh_tokens, consents TO vellum_auditor;
    END IF;
END;
$$;
