-- Single sign-on with each agency's own identity provider (issue 29; decision 0038): OpenID
-- Connect's authorization-code flow with PKCE. Accounts stay ours: a provider's `sub` is
-- linked to an existing account of the provider's agency; roles and facilities stay here.

-- One provider per agency. The client secret is sealed like the other secrets at rest
-- (decision 0033: AES-256-GCM under the installation's key file, bound to the agency's row) and
-- never shown back. `mfa_claim`: the ID token claim that says the provider asked for a second
-- factor (`amr=mfa`: "mfa" among the `amr` values; `acr=VALUE`: that `acr`), `NULL`: none does,
-- so the local authenticator step always follows. `domains`: the e-mail domains whose people the
-- sign-in page sends to this provider.
CREATE TABLE agency_sso (
    agency_id      bigint PRIMARY KEY REFERENCES agencies (id),
    issuer         text NOT NULL CHECK (issuer ~ '^https?://[^\s]+$' AND length(issuer) <= 500),
    client_id      text NOT NULL CHECK (length(btrim(client_id)) BETWEEN 1 AND 500),
    secret_sealed  bytea NOT NULL,
    secret_key     text NOT NULL,
    name           text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    mfa_claim      text CHECK (mfa_claim ~ '^(amr|acr)=[^\s=]{1,200}$'),
    domains        text[] NOT NULL DEFAULT '{}',
    enabled        boolean NOT NULL DEFAULT true,
    updated_at     timestamptz NOT NULL
);

-- An account's link to a person at its agency's provider (one per account; a person is one
-- account at one issuer).
CREATE TABLE sso_links (
    user_id    bigint PRIMARY KEY REFERENCES users (id),
    issuer     text NOT NULL,
    subject    text NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
    linked_at  timestamptz NOT NULL,
    UNIQUE (issuer, subject)
);

-- A sign-in on its way through the provider: taken (deleted) once by the callback whose `state`
-- it is, and only by the browser that started it (`browser`: SHA-256 of a random cookie value),
-- so neither a replayed callback nor one forged into another browser signs anyone in.
CREATE TABLE sso_pending (
    state          text PRIMARY KEY,
    browser        bytea NOT NULL CHECK (length(browser) = 32),
    agency_id      bigint NOT NULL REFERENCES agencies (id),
    nonce          text NOT NULL,
    pkce_verifier  text NOT NULL,
    started_at     timestamptz NOT NULL
);
CREATE INDEX sso_pending_started ON sso_pending (started_at);
