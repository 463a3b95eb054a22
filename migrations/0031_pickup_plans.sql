-- ICE's planned arrival for a case on a WSO hold (issue 31): one current plan per case, set by
-- the facility's liaison or supervisor until the pickup. Its history is the case's timeline
-- (the audit entries `pickup_planned` and `pickup_plan_withdrawn`); the row is the plan now.
CREATE TABLE pickup_plans (
    booking_id  bigint PRIMARY KEY REFERENCES bookings (id),
    planned_at  timestamptz NOT NULL,
    officer     text CHECK (officer IS NULL OR length(btrim(officer)) BETWEEN 1 AND 200),
    note        text CHECK (note IS NULL OR length(btrim(note)) BETWEEN 1 AND 1000),
    set_by      bigint NOT NULL REFERENCES users (id),
    set_at      timestamptz NOT NULL
);

-- Walled like every row of a case: reached through its booking (decision 0036).
ALTER TABLE pickup_plans ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY agency_wall ON pickup_plans
    USING ((SELECT current_setting('wso.system', true)) = 'on'
           OR EXISTS (SELECT 1 FROM bookings b WHERE b.id = booking_id))
    WITH CHECK ((SELECT current_setting('wso.system', true)) = 'on'
           OR EXISTS (SELECT 1 FROM bookings b WHERE b.id = booking_id));

-- The planned-pickup alerts.
ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check;
ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check CHECK (kind ~ '^(deadline_at_service|deadline_[0-9]+h|deadline_passed|ice_document_recorded|post_service_notice|post_service_notice_overdue|citizenship_claim_report_due|citizenship_claim_report_overdue|complaint_ice_due|complaint_ice_overdue|annual_review_due|account_locked|account_disabled_inactive|audit_chain_broken|pickup_plan_after_deadline|pickup_not_planned|pickup_plan_missed)$');

-- The webhook event `pickup.planned`: a plan set or changed (ids and times only).
ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_events_check;
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_events_check CHECK (cardinality(events) >= 1 AND events <@ ARRAY[
    'booking.created', 'document.recorded', 'warrant.served', 'custody.alert',
    'custody.transferred', 'custody.released', 'citizenship_claim.recorded',
    'citizenship_claim.reported', 'pickup.planned']::text[]);

CREATE FUNCTION pickup_plans_webhooks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM webhook_enqueue(b.facility_id, 'pickup.planned', NEW.set_at,
        jsonb_build_object('booking_id', NEW.booking_id, 'planned_at', webhook_time(NEW.planned_at),
                           'custody_deadline', webhook_time(b.custody_deadline)))
       FROM bookings b WHERE b.id = NEW.booking_id;
    RETURN NULL;
END $$;

CREATE TRIGGER pickup_plans_webhooks AFTER INSERT OR UPDATE ON pickup_plans
    FOR EACH ROW EXECUTE FUNCTION pickup_plans_webhooks();

-- A plan set, changed or withdrawn changes the board's row: the board's streams are told like
-- any change the board shows (migrations 0012, 0018).
CREATE FUNCTION pickup_plans_board_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('wso_board', b.id || ' ' || b.facility_id)
       FROM bookings b WHERE b.id = coalesce(NEW.booking_id, OLD.booking_id);
    RETURN NULL;
END $$;

CREATE TRIGGER pickup_plans_board AFTER INSERT OR UPDATE OR DELETE ON pickup_plans
    FOR EACH ROW EXECUTE FUNCTION pickup_plans_board_notify();

-- A plan ends with the hold: when the case leaves `wso_hold` (picked up, released, held under the
-- IGSA) its plan row goes (its history stays in the audit log) and its pickup alerts are
-- resolved, as the clock's are (migration 0013).
CREATE FUNCTION pickup_plans_end_with_the_hold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM pickup_plans WHERE booking_id = NEW.id;
    UPDATE alerts SET resolved = true WHERE booking_id = NEW.id AND kind LIKE 'pickup%' AND NOT resolved;
    RETURN NULL;
END $$;

CREATE TRIGGER bookings_end_pickup_plan AFTER UPDATE OF status ON bookings FOR EACH ROW
    WHEN (OLD.status = 'wso_hold' AND NEW.status <> 'wso_hold')
    EXECUTE FUNCTION pickup_plans_end_with_the_hold();
