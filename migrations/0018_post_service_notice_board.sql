-- The post-service notice to ICE is shown where the work happens (issue 25): the board row and
-- the dashboard say "Tell ICE by 21:03" until a post-service notification is logged. Each board
-- row reads whether one is logged (an index for that probe), and logging one changes the row,
-- so it notifies the board like any change the board shows (migration 0012).

CREATE INDEX ice_notifications_booking ON ice_notifications (booking_id, kind);

CREATE FUNCTION wso_notice_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('wso_board', b.id || ' ' || b.facility_id) FROM bookings b WHERE b.id = NEW.booking_id;
    RETURN NULL;
END $$;

CREATE TRIGGER ice_notifications_board AFTER INSERT ON ice_notifications
    FOR EACH ROW WHEN (NEW.kind = 'post_service') EXECUTE FUNCTION wso_notice_notify();
