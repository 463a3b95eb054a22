-- The delivery workers (alert e-mails, webhooks) used to ask the database for due work every
-- few seconds: with nothing to deliver, a statement every 2 s per worker and process. Now the
-- transaction that writes work announces it at commit; a worker asks again only when told,
-- while a retry is pending, and on the deadline watcher's tick (a missed announcement, e.g.
-- across a reconnection, waits at most that long). One announcement per statement: the
-- payload is empty, the worker reads what is due.
CREATE FUNCTION announce_delivery() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_ARGV[0], '');
    RETURN NULL;
END $$;

CREATE TRIGGER outbox_announce AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION announce_delivery('wso_outbox');
CREATE TRIGGER webhook_deliveries_announce AFTER INSERT ON webhook_deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION announce_delivery('wso_webhooks');
