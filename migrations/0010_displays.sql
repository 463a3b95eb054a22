-- Wall displays (issue 13): a facility's board on a screen in the control room, opened by a
-- secret path `/display/<token>` without signing in. Only the token's SHA-256 is stored.
CREATE TABLE displays (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    facility_id   bigint NOT NULL REFERENCES facilities (id),
    name          text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    token_hash    bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_by    bigint REFERENCES users (id),
    created_at    timestamptz NOT NULL,
    revoked_at    timestamptz,
    last_seen_at  timestamptz
);

-- The addresses a display has been opened from: the first use from each is audited.
CREATE TABLE display_addresses (
    display_id    bigint NOT NULL REFERENCES displays (id),
    address       text NOT NULL,
    first_seen_at timestamptz NOT NULL,
    PRIMARY KEY (display_id, address)
);
