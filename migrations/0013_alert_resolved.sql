-- The navigation's unread-alert count is read on every page (issue 15). It used to join each
-- alert ever raised to its booking to leave out the resolved clock alerts (a case closed or
-- on an IGSA hold); its cost grew with the history, and with a few hundred alerts it was more
-- than half of the board page's SQL. Resolution is now a flag, set by the database when the
-- case closes or goes on an IGSA hold (and for an alert raised about such a case), and the
-- count reads only unresolved alerts through a partial index.
ALTER TABLE alerts ADD COLUMN resolved boolean NOT NULL DEFAULT false;

-- Alerts stay append-only but for this one fact: an update may only mark an alert resolved.
DROP TRIGGER alerts_append_only ON alerts;
CREATE TRIGGER alerts_no_delete BEFORE DELETE ON alerts FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE FUNCTION alert_only_resolved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.resolved OR NOT NEW.resolved OR (to_jsonb(NEW) - 'resolved') IS DISTINCT FROM (to_jsonb(OLD) - 'resolved') THEN
        RAISE EXCEPTION 'alerts is append-only: UPDATE refused (only marking an alert resolved is allowed)'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;

UPDATE alerts a SET resolved = true
FROM bookings b
WHERE b.id = a.booking_id AND a.kind LIKE 'deadline%' AND (b.closed_at IS NOT NULL OR b.status = 'igsa_hold');
CREATE TRIGGER alerts_only_resolved BEFORE UPDATE ON alerts FOR EACH ROW EXECUTE FUNCTION alert_only_resolved();

CREATE INDEX alerts_unresolved ON alerts (facility_id) WHERE NOT resolved;

CREATE FUNCTION wso_resolve_clock_alerts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE alerts SET resolved = true
    WHERE booking_id = NEW.id AND kind LIKE 'deadline%' AND NOT resolved;
    RETURN NULL;
END $$;

CREATE TRIGGER bookings_resolve_clock_alerts AFTER UPDATE ON bookings FOR EACH ROW
    WHEN ((NEW.closed_at IS NOT NULL OR NEW.status = 'igsa_hold')
          AND (OLD.closed_at IS NULL AND OLD.status <> 'igsa_hold'))
    EXECUTE FUNCTION wso_resolve_clock_alerts();

CREATE FUNCTION wso_alert_born_resolved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.resolved := NEW.kind LIKE 'deadline%' AND EXISTS (
        SELECT 1 FROM bookings b
        WHERE b.id = NEW.booking_id AND (b.closed_at IS NOT NULL OR b.status = 'igsa_hold'));
    RETURN NEW;
END $$;

CREATE TRIGGER alerts_born_resolved BEFORE INSERT ON alerts FOR EACH ROW
    EXECUTE FUNCTION wso_alert_born_resolved();
