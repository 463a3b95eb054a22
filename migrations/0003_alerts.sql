-- Alerts and the transactional outbox.
--
-- An alert is raised at most once per subject and kind: `dedupe_key` ("booking:42:deadline_4h",
-- "document:7:ice_document_recorded") is UNIQUE, and raising is `INSERT … ON CONFLICT DO
-- NOTHING`, so any number of watcher processes on one database raise each alert exactly once.
-- The alert and its outbox message are written in the same transaction as the event that causes
-- them (a service, a document) or by the deadline watcher.

CREATE TABLE alerts (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dedupe_key   text NOT NULL UNIQUE,
    kind         text NOT NULL CHECK (kind ~ '^(deadline_at_service|deadline_[0-9]+h|deadline_passed|ice_document_recorded)$'),
    -- How urgent within its family (deadline kinds): a less urgent one is never raised after a
    -- more urgent one for the same case.
    urgency      integer NOT NULL DEFAULT 0,
    booking_id   bigint REFERENCES bookings (id),
    facility_id  bigint NOT NULL REFERENCES facilities (id),
    raised_at    timestamptz NOT NULL,
    title        text NOT NULL,
    body         text NOT NULL
);
CREATE INDEX alerts_facility ON alerts (facility_id, raised_at DESC);
CREATE INDEX alerts_booking ON alerts (booking_id, urgency) WHERE booking_id IS NOT NULL;

-- One e-mail per alert to all its recipients. `message_id` is fixed when the row is written, so
-- a resend (after a crash between sending and marking) carries the same Message-ID and the
-- receiving side can drop the duplicate: at-least-once delivery with an idempotent key.
CREATE TABLE outbox (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id         bigint NOT NULL UNIQUE REFERENCES alerts (id),
    message_id       text NOT NULL UNIQUE,
    recipients       text[] NOT NULL,
    subject          text NOT NULL,
    body             text NOT NULL,
    headers          jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at       timestamptz NOT NULL,
    next_attempt_at  timestamptz NOT NULL,
    -- A worker that claims the row leases it until then; a crashed worker's lease runs out.
    leased_until     timestamptz,
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    delivered_at     timestamptz,
    last_error       text
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL;

-- Every delivery attempt, kept.
CREATE TABLE outbox_attempts (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    outbox_id  bigint NOT NULL REFERENCES outbox (id),
    at         timestamptz NOT NULL,
    ok         boolean NOT NULL,
    error      text
);
CREATE INDEX outbox_attempts_outbox ON outbox_attempts (outbox_id);

-- In-app: who acknowledged which alert, when. Absent = unread for that user.
CREATE TABLE alert_acks (
    alert_id  bigint NOT NULL REFERENCES alerts (id),
    user_id   bigint NOT NULL REFERENCES users (id),
    at        timestamptz NOT NULL,
    PRIMARY KEY (alert_id, user_id)
);

CREATE TRIGGER alerts_append_only BEFORE UPDATE OR DELETE ON alerts
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER alert_acks_append_only BEFORE UPDATE OR DELETE ON alert_acks
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER outbox_attempts_append_only BEFORE UPDATE OR DELETE ON outbox_attempts
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
