-- Credentials out of the log (issue 8): `UserCreated` version 2 and `PasswordChanged` name a
-- credential; its bcrypt hash lives here, guarded like the signing keys' secrets. Not a projection:
-- `vellum projections rebuild` leaves it alone. Version 1 `UserCreated` events still hold their
-- hash (the log is never rewritten); their hashes move here as credential `v1-<user_id>`.
CREATE TABLE user_credentials (
    credential_id text PRIMARY KEY,
    user_id       text        NOT NULL,
    password_hash text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX user_credentials_user ON user_credentials (user_id);

INSERT INTO user_credentials (credential_id, user_id, password_hash)
SELECT 'v1-' || user_id, user_id, password_hash FROM users;

ALTER TABLE users ADD COLUMN credential_id text;
UPDATE users SET credential_id = 'v1-' || user_id;
ALTER TABLE users DROP COLUMN password_hash;

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'vellum_app') THEN
        GRANT SELECT, INSERT ON user_credentials TO vellum_app;
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'vellum_auditor') THEN
        -- The users table holds no hash any more: auditors may read all of it.
        GRANT SELECT ON users TO vellum_auditor;
    END IF;
END;
$$;

-- Login throttling (issue 8): recent failed logins per account (as typed) and per client address,
-- projected from AuthenticationFailed (refusals by the throttle itself excepted); a password login
-- clears its account's row.
CREATE TABLE login_failures (
    key             text PRIMARY KEY,
    failures        integer     NOT NULL,
    last_failure_at timestamptz NOT NULL
);

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'vellum_app') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON login_failures TO vellum_app;
    END IF;
END;
$$;

-- The user a code acts for, so that the token endpoint refuses a code of a user disabled since.
ALTER TABLE authorization_codes ADD COLUMN subject text;
