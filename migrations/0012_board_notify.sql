-- The board is pushed (issue 15, decision 0022). Every transaction that changes what a board
-- shows sends, at commit, a notification naming the booking: PostgreSQL delivers it to every
-- server process LISTENing on the database, whichever process (or CLI, or psql) made the change.
-- `wso_board`: payload "booking_id facility_id". `wso_access`: payload "user_id" when something
-- that decides what a user's open streams may carry changes (disabled, locked, role, facilities,
-- a session ended, a token revoked).

CREATE FUNCTION wso_board_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('wso_board', NEW.id || ' ' || NEW.facility_id);
    RETURN NULL;
END $$;

-- A booking is on a board while on a WSO hold (the pending list) or, for the page's second
-- list, when past its point of release awaiting service or held under an IGSA. Closed history
-- (the bulk of the table) never notifies.
CREATE TRIGGER bookings_board_insert AFTER INSERT ON bookings FOR EACH ROW
    WHEN (NEW.status IN ('wso_hold', 'igsa_hold') OR (NEW.status = 'in_custody' AND NEW.release_point_at IS NOT NULL))
    EXECUTE FUNCTION wso_board_notify();

CREATE TRIGGER bookings_board_update AFTER UPDATE ON bookings FOR EACH ROW
    WHEN ((OLD.status IN ('wso_hold', 'igsa_hold') OR (OLD.status = 'in_custody' AND OLD.release_point_at IS NOT NULL)
           OR NEW.status IN ('wso_hold', 'igsa_hold') OR (NEW.status = 'in_custody' AND NEW.release_point_at IS NOT NULL))
          AND (OLD.status, OLD.custody_deadline, OLD.served_at, OLD.release_point_at, OLD.igsa_at,
               OLD.booking_number, OLD.last_name, OLD.first_name, OLD.served_by)
              IS DISTINCT FROM
              (NEW.status, NEW.custody_deadline, NEW.served_at, NEW.release_point_at, NEW.igsa_at,
               NEW.booking_number, NEW.last_name, NEW.first_name, NEW.served_by))
    EXECUTE FUNCTION wso_board_notify();

-- A citizenship claim flags its booking's row.
CREATE FUNCTION wso_claim_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    c citizenship_claims;
BEGIN
    IF TG_OP = 'DELETE' THEN c := OLD; ELSE c := NEW; END IF;
    PERFORM pg_notify('wso_board', b.id || ' ' || b.facility_id) FROM bookings b WHERE b.id = c.booking_id;
    RETURN NULL;
END $$;

CREATE TRIGGER citizenship_claims_board AFTER INSERT OR DELETE ON citizenship_claims
    FOR EACH ROW EXECUTE FUNCTION wso_claim_notify();

-- What a user's streams may carry.
CREATE FUNCTION wso_access_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('wso_access', NEW.id::text);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('wso_access', OLD.user_id::text);
    ELSE
        PERFORM pg_notify('wso_access', NEW.user_id::text);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER users_access AFTER UPDATE ON users FOR EACH ROW
    WHEN ((OLD.role, OLD.disabled_at, OLD.locked_until) IS DISTINCT FROM (NEW.role, NEW.disabled_at, NEW.locked_until))
    EXECUTE FUNCTION wso_access_notify();
CREATE TRIGGER user_facilities_access AFTER INSERT OR DELETE ON user_facilities
    FOR EACH ROW EXECUTE FUNCTION wso_access_notify();
CREATE TRIGGER user_sessions_access AFTER UPDATE ON user_sessions FOR EACH ROW
    WHEN (OLD.ended_at IS NULL AND NEW.ended_at IS NOT NULL)
    EXECUTE FUNCTION wso_access_notify();
CREATE TRIGGER api_tokens_access AFTER UPDATE ON api_tokens FOR EACH ROW
    WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION wso_access_notify();
