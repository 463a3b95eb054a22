-- Integration with jail systems and ICE-side tools (issue 14, decisions 0025 and 0026).

-- Idempotent writes: every POST under /api/v1 with an `Idempotency-Key` header. A key belongs
-- to the token that sent it (its SHA-256, as in api_tokens). The row is claimed before the
-- handler runs (status NULL = in progress) and holds the first response once it is known; a
-- retry with the same key and the same request gets that response again. Kept at least 24 h
-- (the watcher deletes rows older than 48 h). While its request runs, the claim's
-- `heartbeat_at` is renewed every 2 s (the database's clock): a claim whose heartbeat stopped
-- belongs to a request that can no longer finish (its process died, or the database failed over
-- under it), and a retry takes it over.
CREATE TABLE idempotency_keys (
    token_hash    bytea NOT NULL CHECK (length(token_hash) = 32),
    key           text NOT NULL CHECK (key ~ '^[ -~]{1,255}$'),
    -- SHA-256 of method, path and body: the same key with another request is refused.
    request_hash  bytea NOT NULL CHECK (length(request_hash) = 32),
    created_at    timestamptz NOT NULL,
    -- Which request holds the claim: only it renews, completes or frees it (a retry that took
    -- a stale claim over gets a new one, and the first request can no longer touch it).
    claim_id      uuid NOT NULL,
    heartbeat_at  timestamptz NOT NULL DEFAULT now(),
    status        smallint CHECK (status BETWEEN 100 AND 599),
    content_type  text,
    body          bytea,
    CHECK ((status IS NULL) = (body IS NULL)),
    PRIMARY KEY (token_hash, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Webhook endpoints: an admin registers a URL per facility and the events it wants. The secret
-- signs every delivery (Standard Webhooks); it is needed in clear to sign, so it is stored as is
-- and shown only once, in the response that created it.
CREATE TABLE webhook_endpoints (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    facility_id  bigint NOT NULL REFERENCES facilities (id),
    url          text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
    events       text[] NOT NULL CHECK (cardinality(events) >= 1 AND events <@ ARRAY[
                     'booking.created', 'document.recorded', 'warrant.served', 'custody.alert',
                     'custody.transferred', 'custody.released', 'citizenship_claim.recorded',
                     'citizenship_claim.reported']::text[]),
    secret       text NOT NULL CHECK (secret ~ '^whsec_[A-Za-z0-9+/]{32,}={0,2}$'),
    created_by   bigint REFERENCES users (id),
    created_at   timestamptz NOT NULL,
    deleted_at   timestamptz
);
CREATE INDEX webhook_endpoints_facility ON webhook_endpoints (facility_id) WHERE deleted_at IS NULL;

-- The webhooks' outbox: one row per event and endpoint, written by the triggers below in the
-- transaction of the change that caused it. `webhook_id` is fixed at insert, so every retry of
-- one delivery carries the same id. The body is fixed at insert too (it is what is signed).
CREATE TABLE webhook_deliveries (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint_id      bigint NOT NULL REFERENCES webhook_endpoints (id),
    webhook_id       text NOT NULL UNIQUE,
    event_type       text NOT NULL,
    body             text NOT NULL,
    event_at         timestamptz NOT NULL,
    next_attempt_at  timestamptz NOT NULL,
    -- The first attempt (the app's clock): retries go on for 72 hours from it, however far
    -- back the event's own time was logged.
    first_attempt_at timestamptz,
    leased_until     timestamptz,
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_attempt_at  timestamptz,
    last_status      integer,
    last_error       text,
    delivered_at     timestamptz,
    -- Given up after the retry window (decision 0026); still listed on the admin page.
    failed_at        timestamptz,
    CHECK (delivered_at IS NULL OR failed_at IS NULL)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE delivered_at IS NULL AND failed_at IS NULL;
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id DESC);

-- Times in bodies: UTC, RFC 3339, to the second, whatever the session's TimeZone.
CREATE FUNCTION webhook_time(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;

-- One delivery per live endpoint of the facility that wants the event. The data carries ids,
-- kinds and times only: never names, birth dates or A-numbers.
CREATE FUNCTION webhook_enqueue(p_facility bigint, p_type text, p_at timestamptz, p_data jsonb)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO webhook_deliveries (endpoint_id, webhook_id, event_type, body, event_at, next_attempt_at)
    SELECT e.id, 'msg_' || replace(gen_random_uuid()::text, '-', ''), p_type,
           jsonb_build_object('type', p_type, 'timestamp', webhook_time(p_at),
                              'data', jsonb_build_object('facility', f.code) || p_data)::text,
           p_at, p_at
      FROM webhook_endpoints e
      JOIN facilities f ON f.id = e.facility_id
     WHERE e.facility_id = p_facility AND e.deleted_at IS NULL AND p_type = ANY (e.events)
$$;

CREATE FUNCTION bookings_webhooks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhook_endpoints WHERE facility_id = NEW.facility_id AND deleted_at IS NULL) THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM webhook_enqueue(NEW.facility_id, 'booking.created', NEW.created_at,
            jsonb_build_object('booking_id', NEW.id, 'booked_at', webhook_time(NEW.booked_at)));
        RETURN NULL;
    END IF;
    IF OLD.served_at IS NULL AND NEW.served_at IS NOT NULL THEN
        PERFORM webhook_enqueue(NEW.facility_id, 'warrant.served', NEW.served_at,
            jsonb_build_object('booking_id', NEW.id, 'document_id', NEW.served_document_id,
                               'served_at', webhook_time(NEW.served_at),
                               'custody_deadline', webhook_time(NEW.custody_deadline)));
    END IF;
    IF OLD.status <> 'transferred' AND NEW.status = 'transferred' THEN
        PERFORM webhook_enqueue(NEW.facility_id, 'custody.transferred', NEW.closed_at,
            jsonb_build_object('booking_id', NEW.id, 'transferred_at', webhook_time(NEW.closed_at),
                               'over_detained_seconds', NEW.over_detained_seconds));
    END IF;
    IF OLD.status <> 'released' AND NEW.status = 'released' THEN
        PERFORM webhook_enqueue(NEW.facility_id, 'custody.released', NEW.closed_at,
            jsonb_build_object('booking_id', NEW.id, 'released_at', webhook_time(NEW.closed_at),
                               'release_reason', NEW.release_reason,
                               'over_detained_seconds', NEW.over_detained_seconds));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER bookings_webhooks_insert AFTER INSERT ON bookings
    FOR EACH ROW EXECUTE FUNCTION bookings_webhooks();
CREATE TRIGGER bookings_webhooks_update AFTER UPDATE OF served_at, status ON bookings
    FOR EACH ROW WHEN (OLD.served_at IS DISTINCT FROM NEW.served_at OR OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION bookings_webhooks();

CREATE FUNCTION ice_documents_webhooks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM webhook_enqueue(b.facility_id, 'document.recorded', NEW.recorded_at,
        jsonb_build_object('booking_id', NEW.booking_id, 'document_id', NEW.id, 'kind', NEW.kind,
                           'received_at', webhook_time(NEW.received_at)))
       FROM bookings b WHERE b.id = NEW.booking_id;
    RETURN NULL;
END $$;

CREATE TRIGGER ice_documents_webhooks AFTER INSERT ON ice_documents
    FOR EACH ROW EXECUTE FUNCTION ice_documents_webhooks();

CREATE FUNCTION alerts_webhooks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM webhook_enqueue(NEW.facility_id, 'custody.alert', NEW.raised_at,
        jsonb_build_object('booking_id', NEW.booking_id, 'alert_id', NEW.id, 'kind', NEW.kind,
                           'raised_at', webhook_time(NEW.raised_at)));
    RETURN NULL;
END $$;

-- Alerts about a case (deadlines, documents, notices, claims); not account or audit alerts.
CREATE TRIGGER alerts_webhooks AFTER INSERT ON alerts
    FOR EACH ROW WHEN (NEW.booking_id IS NOT NULL AND NEW.facility_id IS NOT NULL)
    EXECUTE FUNCTION alerts_webhooks();

CREATE FUNCTION citizenship_claims_webhooks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM webhook_enqueue(b.facility_id, 'citizenship_claim.recorded', NEW.claimed_at,
            jsonb_build_object('booking_id', NEW.booking_id, 'claim_id', NEW.id,
                               'claimed_at', webhook_time(NEW.claimed_at),
                               'report_due_at', webhook_time(NEW.report_due_at)))
           FROM bookings b WHERE b.id = NEW.booking_id;
    ELSIF OLD.reported_at IS NULL AND NEW.reported_at IS NOT NULL THEN
        PERFORM webhook_enqueue(b.facility_id, 'citizenship_claim.reported', NEW.reported_at,
            jsonb_build_object('booking_id', NEW.booking_id, 'claim_id', NEW.id,
                               'reported_at', webhook_time(NEW.reported_at)))
           FROM bookings b WHERE b.id = NEW.booking_id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER citizenship_claims_webhooks AFTER INSERT OR UPDATE OF reported_at ON citizenship_claims
    FOR EACH ROW EXECUTE FUNCTION citizenship_claims_webhooks();
