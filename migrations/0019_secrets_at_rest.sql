-- Secrets at rest (issue 26, decision 0033). TOTP secrets, webhook signing secrets and the
-- idempotency store's saved answers are kept as AES-256-GCM ciphertext (bytea: 12-byte nonce,
-- ciphertext, 16-byte tag) beside the id of the key that sealed them; the key lives in a file
-- outside the database (WSO_SECRET_KEY_FILE). SQL cannot encrypt (it has no key), so the old
-- plain-text columns stay, nullable, for the rows written before this migration: the server
-- seals them at its next start (or `wso-tracker secrets rotate` does) and empties the plain
-- column. A later migration drops the plain columns.

-- TOTP: `mfa_secret` (base32, plain) is only ever read to be sealed from now on.
ALTER TABLE users
    ADD COLUMN mfa_secret_sealed bytea,
    ADD COLUMN mfa_secret_key text,
    DROP CONSTRAINT api_only_has_no_mfa,
    DROP CONSTRAINT mfa_enrolment_complete,
    ADD CONSTRAINT mfa_secret_sealed_with_key CHECK ((mfa_secret_sealed IS NULL) = (mfa_secret_key IS NULL)),
    ADD CONSTRAINT mfa_secret_one_form CHECK (mfa_secret IS NULL OR mfa_secret_sealed IS NULL),
    ADD CONSTRAINT api_only_has_no_mfa CHECK (NOT api_only OR (mfa_secret IS NULL AND mfa_secret_sealed IS NULL)),
    ADD CONSTRAINT mfa_enrolment_complete
        CHECK ((mfa_secret IS NULL AND mfa_secret_sealed IS NULL) = (mfa_enrolled_at IS NULL));

-- Webhook signing secrets: `secret` (plain `whsec_…`) likewise.
ALTER TABLE webhook_endpoints
    ALTER COLUMN secret DROP NOT NULL,
    ADD COLUMN secret_sealed bytea,
    ADD COLUMN secret_key text,
    ADD CONSTRAINT webhook_secret_sealed_with_key CHECK ((secret_sealed IS NULL) = (secret_key IS NULL)),
    ADD CONSTRAINT webhook_secret_one_form CHECK ((secret IS NULL) <> (secret_sealed IS NULL));

-- Saved answers: `body` is ciphertext when `body_key` is set (plain for rows written before).
-- `caller`: the role and facilities of the caller the answer was given to; a replay goes only
-- to a caller who still has exactly those (finding 13).
ALTER TABLE idempotency_keys
    ADD COLUMN body_key text,
    ADD COLUMN caller text;
