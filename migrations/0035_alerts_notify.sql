-- Each server process keeps every signed-in user's count of unread alerts (the navigation's)
-- in memory while nothing about alerts changes (decision 0045). A statement that changes alerts
-- or their acknowledgements, whoever makes it (a server, the CLI, psql), now announces it at
-- commit on `wso_alerts`; every process's board listener hears it and forgets its counts.
-- One announcement per statement with an empty payload (identical notifications of one
-- transaction are folded into one), as the delivery workers' (migration 0017).
CREATE TRIGGER alerts_announce AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON alerts
    FOR EACH STATEMENT EXECUTE FUNCTION announce_delivery('wso_alerts');
CREATE TRIGGER alert_acks_announce AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON alert_acks
    FOR EACH STATEMENT EXECUTE FUNCTION announce_delivery('wso_alerts');
