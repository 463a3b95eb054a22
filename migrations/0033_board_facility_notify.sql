-- The boards are held in memory by each server process (issue 32, decision 0043), kept current
-- by the notifications of migration 0012. A facility added, removed, renamed or moved to another
-- time zone changes what every board shows of it (its code and zone on each row, the page's
-- filter): `wso_facility` tells every process to read its boards again. Rare; nothing else about
-- a facility (its contact, its shifts, its public page) notifies.

CREATE FUNCTION wso_facility_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('wso_facility', OLD.id::text);
    ELSE
        PERFORM pg_notify('wso_facility', NEW.id::text);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER facilities_board_insert_delete AFTER INSERT OR DELETE ON facilities
    FOR EACH ROW EXECUTE FUNCTION wso_facility_notify();

CREATE TRIGGER facilities_board_update AFTER UPDATE ON facilities FOR EACH ROW
    WHEN ((OLD.code, OLD.name, OLD.timezone) IS DISTINCT FROM (NEW.code, NEW.name, NEW.timezone))
    EXECUTE FUNCTION wso_facility_notify();
