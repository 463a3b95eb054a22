-- Per-agency settings (issue 28; docs/agencies.md): an agency may require an authenticator of
-- everyone who works for it or at its facilities (a liaison it granted one), on top of the
-- installation's floor (`WSO_MFA_REQUIRED`), never below it.
ALTER TABLE agencies ADD COLUMN mfa_required boolean NOT NULL DEFAULT false;

-- An account that belongs to an agency holds none of another agency's facilities, whichever row
-- changes: `user_facilities` (trigger of 0021) or the account's role and agency (here; a liaison
-- made an officer keeps no other agency's grant).
CREATE FUNCTION user_in_agency_keeps_its_facilities() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.agency_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM user_facilities uf JOIN facilities f ON f.id = uf.facility_id
         WHERE uf.user_id = NEW.id AND f.agency_id <> NEW.agency_id) THEN
        RAISE EXCEPTION 'user % holds facilities of another agency than %', NEW.id, NEW.agency_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'users_facilities_in_agency';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER users_facilities_in_agency
    BEFORE UPDATE OF role, agency_id ON users
    FOR EACH ROW EXECUTE FUNCTION user_in_agency_keeps_its_facilities();
