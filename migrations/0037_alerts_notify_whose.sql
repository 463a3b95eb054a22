-- Which counts an alerts change touches (issue 32; decision 0045's addendum). Migration 0035
-- announced every statement on `alerts` or `alert_acks` with an empty payload, and every
-- process then forgot every unread count: under a state's load (case steps raising and
-- resolving alerts several times a second, the watcher's statements every few seconds, even
-- those that changed no row) no count stayed held long enough to be read twice. A statement now
-- announces what it changed, read from its transition tables, and says nothing when it changed
-- no row:
--   `f:3,17`  alerts of these facilities changed (every count reading one of them is forgotten);
--   `u:42`    these users acknowledged alerts (only their own counts are forgotten: an
--             acknowledgement is read only in its user's count);
--   `*`       anything else (an alert about no facility, a truncation, a payload too long for a
--             notification): every count is forgotten, as before.
-- The listener treats any payload it cannot read as `*`.
CREATE FUNCTION announce_alerts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    what text;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        what := '*';
    ELSIF TG_TABLE_NAME = 'alert_acks' AND TG_OP = 'INSERT' THEN
        SELECT 'u:' || string_agg(DISTINCT user_id::text, ',') INTO what FROM changed_rows;
    ELSIF TG_TABLE_NAME = 'alert_acks' THEN
        what := '*';
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT CASE WHEN bool_or(facility_id IS NULL) THEN '*' ELSE 'f:' || string_agg(DISTINCT facility_id::text, ',') END
          INTO what FROM (SELECT facility_id FROM changed_rows UNION ALL SELECT facility_id FROM gone_rows) c;
    ELSE
        SELECT CASE WHEN bool_or(facility_id IS NULL) THEN '*' ELSE 'f:' || string_agg(DISTINCT facility_id::text, ',') END
          INTO what FROM changed_rows;
    END IF;
    IF what IS NOT NULL THEN
        PERFORM pg_notify('wso_alerts', CASE WHEN length(what) > 7000 THEN '*' ELSE what END);
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER alerts_announce ON alerts;
DROP TRIGGER alert_acks_announce ON alert_acks;
-- A trigger with transition tables serves one event each.
CREATE TRIGGER alerts_announce_insert AFTER INSERT ON alerts REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION announce_alerts();
CREATE TRIGGER alerts_announce_update AFTER UPDATE ON alerts REFERENCING OLD TABLE AS gone_rows NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION announce_alerts();
CREATE TRIGGER alerts_announce_delete AFTER DELETE ON alerts REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION announce_alerts();
CREATE TRIGGER alerts_announce_truncate AFTER TRUNCATE ON alerts
    FOR EACH STATEMENT EXECUTE FUNCTION announce_alerts();
CREATE TRIGGER alert_acks_announce_insert AFTER INSERT ON alert_acks REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION announce_alerts();
CREATE TRIGGER alert_acks_announce_other AFTER UPDATE OR DELETE OR TRUNCATE ON alert_acks
    FOR EACH STATEMENT EXECUTE FUNCTION announce_alerts();
