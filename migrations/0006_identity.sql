-- Accounts a CJIS audit passes: multi-factor sign-in, the whole account lifecycle, API tokens
-- that expire and can be revoked, a lockout that lifts by itself, and throttled sign-ins.

-- Service accounts (`--api-only`) have no password: they act only through tokens, and nobody
-- can lock them by guessing.
ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL;
ALTER TABLE users
    ADD COLUMN api_only boolean NOT NULL DEFAULT false,
    -- Disabled by an admin or for inactivity: no sign-in, no token, no session.
    ADD COLUMN disabled_at timestamptz,
    -- A lock lifts at `locked_until` (or when an admin releases it); `locked_at` says since when.
    ADD COLUMN locked_until timestamptz,
    -- The first failure of the current streak: failures count within 15 minutes of it.
    ADD COLUMN first_failure_at timestamptz,
    -- After an admin reset: the next sign-in must set a new password before anything else.
    ADD COLUMN must_change_password boolean NOT NULL DEFAULT false,
    -- TOTP (RFC 6238) secret, base32; never shown again after enrolment.
    ADD COLUMN mfa_secret text,
    ADD COLUMN mfa_enrolled_at timestamptz,
    -- The last TOTP time step accepted: a code is never accepted twice.
    ADD COLUMN mfa_last_step bigint,
    ADD COLUMN last_login_at timestamptz,
    ADD COLUMN last_token_use_at timestamptz,
    ADD CONSTRAINT api_only_has_no_password CHECK (api_only = (password_hash IS NULL)),
    ADD CONSTRAINT api_only_has_no_mfa CHECK (NOT api_only OR mfa_secret IS NULL),
    ADD CONSTRAINT mfa_enrolment_complete CHECK ((mfa_secret IS NULL) = (mfa_enrolled_at IS NULL)),
    ADD CONSTRAINT lock_complete CHECK ((locked_at IS NULL) = (locked_until IS NULL) AND (locked_until IS NULL OR locked_until >= locked_at));
-- Locks from before this migration were permanent until an admin released them.
UPDATE users SET locked_until = 'infinity' WHERE locked_at IS NOT NULL;

-- Single-use recovery codes: only their SHA-256 (each code carries 60 random bits).
CREATE TABLE recovery_codes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id),
    code_hash   bytea NOT NULL UNIQUE CHECK (length(code_hash) = 32),
    created_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id) WHERE used_at IS NULL;

-- Tokens expire (at most a year after they are made), can be revoked, and say when last used.
ALTER TABLE api_tokens
    ADD COLUMN expires_at timestamptz,
    ADD COLUMN revoked_at timestamptz,
    ADD COLUMN last_used_at timestamptz;
UPDATE api_tokens SET expires_at = created_at + interval '90 days';
ALTER TABLE api_tokens
    ALTER COLUMN expires_at SET NOT NULL,
    ADD CONSTRAINT token_lifetime CHECK (expires_at > created_at AND expires_at <= created_at + interval '366 days');

-- Each signed-in session, so that a user sees theirs and any of them can be ended at once
-- (password change, disable, "sign out all other sessions"). The id is kept in the session.
CREATE TABLE user_sessions (
    id            text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{64}$'),
    user_id       bigint NOT NULL REFERENCES users (id),
    started_at    timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    ip            text,
    user_agent    text CHECK (length(user_agent) <= 500),
    ended_at      timestamptz,
    ended_reason  text CHECK (ended_reason ~ '^[a-z_]+$'),
    CHECK ((ended_at IS NULL) = (ended_reason IS NULL))
);
CREATE INDEX user_sessions_open ON user_sessions (user_id) WHERE ended_at IS NULL;

-- Failed sign-ins per client address, for throttling (kept an hour).
CREATE TABLE login_failures (
    ip  text NOT NULL,
    at  timestamptz NOT NULL
);
CREATE INDEX login_failures_ip_at ON login_failures (ip, at);

-- Alerts about accounts (locked, disabled for inactivity) belong to no facility: admins see them.
ALTER TABLE alerts ALTER COLUMN facility_id DROP NOT NULL;
ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check;
ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check CHECK (kind ~ '^(deadline_at_service|deadline_[0-9]+h|deadline_passed|ice_document_recorded|post_service_notice|post_service_notice_overdue|citizenship_claim_report_due|citizenship_claim_report_overdue|complaint_ice_due|complaint_ice_overdue|annual_review_due|account_locked|account_disabled_inactive)$');
