-- Foundation: facilities, staff accounts, API tokens and the append-only audit log.
--
-- Conventions for every migration in this folder:
--   * times are `timestamptz` (stored UTC); the facility's zone is used only for display;
--   * enumerated words are `text` with a CHECK, spelled exactly as in the API contract;
--   * rules the application enforces are enforced here too (CHECK, UNIQUE, FK, triggers),
--     so no request, however malformed or concurrent, can store an impossible state.

-- A detention facility. `code` is what jail systems and the API use ("RCDC").
CREATE TABLE facilities (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9-]{2,16}$'),
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    -- IANA zone, validated by the application against the tz database (chrono-tz).
    timezone    text NOT NULL CHECK (timezone ~ '^[A-Za-z0-9_+/-]+$'),
    -- Intergovernmental Service Agreement with ICE: allows holding past 48 h as an ICE detainee.
    igsa        boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL
);

CREATE TABLE users (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username        text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9._-]{3,32}$'),
    role            text NOT NULL CHECK (role IN ('officer', 'supervisor', 'ice_liaison', 'admin')),
    -- Where alerts go (later issues); optional.
    email           text CHECK (email IS NULL OR email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
    -- argon2id PHC string; never the password.
    password_hash   text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    -- Consecutive failed logins since the last success; 5 locks the account.
    failed_logins   integer NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
    -- Set when the account locks; only an admin clears it.
    locked_at       timestamptz,
    created_at      timestamptz NOT NULL
);

-- Which facilities a user works at (liaisons see only these).
CREATE TABLE user_facilities (
    user_id      bigint NOT NULL REFERENCES users (id),
    facility_id  bigint NOT NULL REFERENCES facilities (id),
    PRIMARY KEY (user_id, facility_id)
);

-- API tokens act as their user. Only the SHA-256 of the token is stored: the token itself is
-- 256 random bits, so a fast hash is enough (no dictionary to attack, unlike a password).
CREATE TABLE api_tokens (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id),
    token_hash  bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at  timestamptz NOT NULL
);

-- The audit log: who did what, when, from where. Append-only (triggers below).
--   at          when it happened (an officer may log a service an hour after the fact);
--   recorded_at when it was entered;
--   actor       the username at the time (kept even if the account changes), NULL = system.
CREATE TABLE audit_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL,
    actor_id     bigint REFERENCES users (id),
    actor        text,
    action       text NOT NULL CHECK (action ~ '^[a-z][a-z0-9_]*$'),
    ip           text,
    detail       jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_recorded_at ON audit_log (recorded_at);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();

CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
