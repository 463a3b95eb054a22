-- Agencies (issue 28; docs/agencies.md, decision 0035): one installation serves many sheriff's
-- offices. An agency owns facilities; its officers, supervisors and admins belong to it. The
-- roles that cross agencies belong to none: the host's operator, an oversight body (granted
-- agencies by the operator) and an ICE liaison (granted facilities by each agency's admin).
--
-- A database from before this migration gets one agency, DEFAULT, holding every facility and
-- every officer, supervisor and admin; its first admin is also the installation's operator, so
-- nothing anyone could do before disappears.

CREATE TABLE agencies (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- What the CLI and URLs use ("WAKE-SO").
    code        text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9-]{2,16}$'),
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    -- Two-letter postal code; unknown only for the agency a migrated install starts with.
    state       text CHECK (state ~ '^[A-Z]{2}$'),
    -- The zone a new facility of the agency takes when none is given (IANA, checked by the app).
    timezone    text CHECK (timezone ~ '^[A-Za-z0-9_+/-]+$'),
    created_at  timestamptz NOT NULL
);

INSERT INTO agencies (code, name, created_at) VALUES ('DEFAULT', 'Sheriff''s Office', now());

ALTER TABLE facilities ADD COLUMN agency_id bigint REFERENCES agencies (id);
UPDATE facilities SET agency_id = (SELECT id FROM agencies WHERE code = 'DEFAULT');
ALTER TABLE facilities ALTER COLUMN agency_id SET NOT NULL;
CREATE INDEX facilities_agency ON facilities (agency_id);

-- The roles: two new words, `operator` and `oversight`.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('officer', 'supervisor', 'ice_liaison', 'admin', 'operator', 'oversight'));

-- The agency an officer, supervisor or admin belongs to; none for the roles that cross agencies.
ALTER TABLE users ADD COLUMN agency_id bigint REFERENCES agencies (id);
-- The installation's operator: every `operator` account, and (after this migration) the first
-- admin of a single-agency install, who keeps creating agencies and accounts as before. On an
-- account whose role is later changed to another than admin, the flag is dormant
-- (`domain::tenancy::may_operate` asks for the role too).
ALTER TABLE users ADD COLUMN operator boolean NOT NULL DEFAULT false;

UPDATE users SET agency_id = (SELECT id FROM agencies WHERE code = 'DEFAULT')
 WHERE role IN ('officer', 'supervisor', 'admin');
UPDATE users SET operator = true
 WHERE id = (SELECT coalesce(min(id) FILTER (WHERE disabled_at IS NULL), min(id)) FROM users WHERE role = 'admin');

ALTER TABLE users ADD CONSTRAINT users_agency_by_role
    CHECK ((role IN ('officer', 'supervisor', 'admin')) = (agency_id IS NOT NULL));
ALTER TABLE users ADD CONSTRAINT users_operator_role
    CHECK (role <> 'operator' OR operator);
CREATE INDEX users_agency ON users (agency_id);

-- An agency's staff work only at that agency's facilities (a liaison's facilities are grants,
-- which any agency may give). Checked where the row is written, so no path can cross.
CREATE FUNCTION user_facility_in_agency() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    u_agency bigint;
    f_agency bigint;
BEGIN
    SELECT agency_id INTO u_agency FROM users WHERE id = NEW.user_id;
    SELECT agency_id INTO f_agency FROM facilities WHERE id = NEW.facility_id;
    IF u_agency IS NOT NULL AND u_agency <> f_agency THEN
        RAISE EXCEPTION 'facility % belongs to another agency than user %', NEW.facility_id, NEW.user_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'user_facilities_same_agency';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER user_facilities_same_agency
    BEFORE INSERT OR UPDATE ON user_facilities
    FOR EACH ROW EXECUTE FUNCTION user_facility_in_agency();

-- The agencies an oversight account may see aggregates of; granted by the operator.
CREATE TABLE oversight_grants (
    user_id     bigint NOT NULL REFERENCES users (id),
    agency_id   bigint NOT NULL REFERENCES agencies (id),
    granted_at  timestamptz NOT NULL,
    PRIMARY KEY (user_id, agency_id)
);

-- An alert about no facility (an account locked or disabled for inactivity, the audit chain):
-- the agency whose admins see it (the account's); NULL: the installation's, for the operator.
ALTER TABLE alerts ADD COLUMN agency_id bigint REFERENCES agencies (id);
UPDATE alerts SET agency_id = (SELECT id FROM agencies WHERE code = 'DEFAULT')
 WHERE facility_id IS NULL AND kind IN ('account_locked', 'account_disabled_inactive');
