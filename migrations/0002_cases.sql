-- The case: bookings, charges, ICE documents, ICE notifications, WSO certifications.
--
-- Shape: each case's history is the append-only audit log (rows with `booking_id`, see the end
-- of this file): every event with who, when it happened and when it was entered. The
-- `bookings` row holds the case's *current* state, changed only in the same transaction that
-- appends the event, under `SELECT ... FOR UPDATE` of that row, so two concurrent requests on
-- one case are serialised and the second sees the first's result. The CHECKs below make an
-- impossible current state unstorable whatever the application does.

CREATE TABLE bookings (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    facility_id           bigint NOT NULL REFERENCES facilities (id),
    booking_number        text NOT NULL CHECK (booking_number ~ '^[A-Za-z0-9-]{1,32}$'),
    last_name             text NOT NULL CHECK (length(btrim(last_name)) BETWEEN 1 AND 100),
    first_name            text NOT NULL CHECK (length(btrim(first_name)) BETWEEN 1 AND 100),
    date_of_birth         date NOT NULL,
    booked_at             timestamptz NOT NULL,
    status                text NOT NULL DEFAULT 'in_custody'
                          CHECK (status IN ('in_custody', 'wso_hold', 'igsa_hold', 'transferred', 'released')),

    -- Point of release: when criminal custody ended, and why.
    release_point_at      timestamptz,
    release_point_reason  text CHECK (release_point_reason IN ('bond_posted', 'charges_dismissed', 'sentence_complete', 'other')),
    release_point_note    text,

    -- Warrant service: starts the 48-hour custody clock.
    served_at             timestamptz,
    served_document_id    bigint,
    served_by             bigint REFERENCES users (id),
    custody_deadline      timestamptz,

    -- Held under the facility's IGSA from this time.
    igsa_at               timestamptz,

    -- End of custody: pickup by ICE or release.
    closed_at             timestamptz,
    release_reason        text CHECK (release_reason IN ('clock_expired', 'warrant_withdrawn', 'other')),
    release_note          text,
    receiving_officer     text,
    late_reason           text,
    -- Every second held past the deadline, however the hold ended.
    over_detained_seconds bigint NOT NULL DEFAULT 0 CHECK (over_detained_seconds >= 0),

    created_at            timestamptz NOT NULL,
    created_by            bigint NOT NULL REFERENCES users (id),

    UNIQUE (facility_id, booking_number),
    CONSTRAINT booked_after_birth CHECK (booked_at::date >= date_of_birth - 1),
    CONSTRAINT release_point_complete CHECK ((release_point_at IS NULL) = (release_point_reason IS NULL)),
    CONSTRAINT release_point_after_booking CHECK (release_point_at >= booked_at),
    CONSTRAINT service_complete CHECK (
        (served_at IS NULL AND served_document_id IS NULL AND served_by IS NULL AND custody_deadline IS NULL)
        OR (served_at IS NOT NULL AND served_document_id IS NOT NULL AND served_by IS NOT NULL
            AND custody_deadline = served_at + interval '48 hours')),
    CONSTRAINT served_at_point_of_release CHECK (served_at IS NULL OR (release_point_at IS NOT NULL AND served_at >= release_point_at)),
    CONSTRAINT igsa_within_deadline CHECK (igsa_at IS NULL OR (served_at IS NOT NULL AND igsa_at >= served_at AND igsa_at <= custody_deadline)),
    CONSTRAINT closed_after_last_step CHECK (closed_at >= coalesce(igsa_at, served_at, release_point_at, booked_at)),
    -- Each status with exactly the facts it implies.
    CONSTRAINT status_matches_facts CHECK (CASE status
        WHEN 'in_custody'  THEN served_at IS NULL AND closed_at IS NULL
        WHEN 'wso_hold'    THEN served_at IS NOT NULL AND igsa_at IS NULL AND closed_at IS NULL
        WHEN 'igsa_hold'   THEN igsa_at IS NOT NULL AND closed_at IS NULL
        WHEN 'transferred' THEN served_at IS NOT NULL AND closed_at IS NOT NULL AND receiving_officer IS NOT NULL AND release_reason IS NULL
        WHEN 'released'    THEN release_point_at IS NOT NULL AND closed_at IS NOT NULL AND receiving_officer IS NULL
    END),
    -- Over-detention is exactly the time past the deadline of a hold that ended after it.
    CONSTRAINT over_detention_exact CHECK (over_detained_seconds = CASE
        WHEN closed_at IS NOT NULL AND custody_deadline IS NOT NULL AND igsa_at IS NULL
        THEN greatest(0, extract(epoch FROM closed_at - custody_deadline))::bigint
        ELSE 0 END),
    -- A late transfer carries its written reason.
    CONSTRAINT late_transfer_explained CHECK (
        status <> 'transferred' OR over_detained_seconds = 0 OR length(btrim(late_reason)) > 0)
);

-- The board of running clocks reads only open holds: a partial index keeps that read
-- independent of the closed history (millions of rows), small and hot.
CREATE INDEX bookings_open_holds ON bookings (facility_id, custody_deadline) WHERE status = 'wso_hold';
CREATE INDEX bookings_facility_status ON bookings (facility_id, status, booked_at DESC);
CREATE INDEX bookings_names ON bookings (lower(last_name), lower(first_name));

CREATE TABLE charges (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    booking_id   bigint NOT NULL REFERENCES bookings (id),
    position     integer NOT NULL CHECK (position >= 0),
    description  text NOT NULL CHECK (length(btrim(description)) BETWEEN 1 AND 500),
    category     text NOT NULL CHECK (category IN ('dwi', 'traffic', 'drug', 'property', 'violent', 'sex_offense', 'weapons', 'other')),
    UNIQUE (booking_id, position)
);

-- ICE documents. The A-number is what ICE's paper says; the product holds no other field
-- about a person's citizenship or status.
CREATE TABLE ice_documents (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    booking_id    bigint NOT NULL REFERENCES bookings (id),
    kind          text NOT NULL CHECK (kind IN ('I-247A', 'I-200', 'I-205')),
    number        text NOT NULL CHECK (length(btrim(number)) BETWEEN 1 AND 40),
    a_number      text NOT NULL CHECK (a_number ~ '^[0-9]{9}$'),
    issued_at     timestamptz NOT NULL,
    received_at   timestamptz NOT NULL CHECK (received_at >= issued_at),
    recorded_by   bigint NOT NULL REFERENCES users (id),
    recorded_at   timestamptz NOT NULL,
    -- ICE withdrew it: when, and who at ICE said so.
    withdrawn_at  timestamptz,
    withdrawn_by  text,
    CHECK ((withdrawn_at IS NULL) = (withdrawn_by IS NULL)),
    UNIQUE (booking_id, kind, number),
    UNIQUE (booking_id, id)
);

ALTER TABLE bookings ADD CONSTRAINT served_document_of_this_booking
    FOREIGN KEY (id, served_document_id) REFERENCES ice_documents (booking_id, id);

CREATE TABLE ice_notifications (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    booking_id   bigint NOT NULL REFERENCES bookings (id),
    kind         text NOT NULL CHECK (kind IN ('in_custody', 'release_soon', 'post_service')),
    at           timestamptz NOT NULL,
    method       text NOT NULL CHECK (length(btrim(method)) BETWEEN 1 AND 100),
    contact      text NOT NULL CHECK (length(btrim(contact)) BETWEEN 1 AND 200),
    recorded_by  bigint NOT NULL REFERENCES users (id),
    recorded_at  timestamptz NOT NULL
);

-- WSO certifications, one row per grant (a renewal is a new row). `expires_on` is the last
-- valid day in the facility's zone. A revocation is set once and never cleared.
CREATE TABLE wso_certifications (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id                bigint NOT NULL REFERENCES users (id),
    nominated_on           date,
    background_cleared_on  date,
    trained_on             date,
    certified_on           date NOT NULL,
    expires_on             date NOT NULL CHECK (expires_on >= certified_on),
    revoked_at             timestamptz,
    revoked_reason         text,
    recorded_by            bigint REFERENCES users (id),
    recorded_at            timestamptz NOT NULL,
    CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
CREATE INDEX wso_certifications_user ON wso_certifications (user_id, certified_on DESC);

CREATE FUNCTION revocation_is_final() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.revoked_at IS NOT NULL THEN
        RAISE EXCEPTION 'a revoked certification cannot be changed' USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.certified_on <> OLD.certified_on OR NEW.expires_on <> OLD.expires_on OR NEW.user_id <> OLD.user_id THEN
        RAISE EXCEPTION 'certification dates are not edited: record a new certification' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER wso_certifications_revocation_final
    BEFORE UPDATE ON wso_certifications FOR EACH ROW EXECUTE FUNCTION revocation_is_final();

-- Case events are audit entries naming their booking; the case timeline reads them.
ALTER TABLE audit_log ADD COLUMN booking_id bigint REFERENCES bookings (id);
CREATE INDEX audit_log_booking ON audit_log (booking_id, at, id) WHERE booking_id IS NOT NULL;

-- Documents and notifications are never edited nor deleted; withdrawal is set once.
CREATE FUNCTION document_only_withdrawn_once() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.withdrawn_at IS NOT NULL
       OR (NEW.kind, NEW.number, NEW.a_number, NEW.issued_at, NEW.received_at, NEW.booking_id)
          IS DISTINCT FROM (OLD.kind, OLD.number, OLD.a_number, OLD.issued_at, OLD.received_at, OLD.booking_id) THEN
        RAISE EXCEPTION 'ICE documents are not edited: only a withdrawal is recorded, once' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER ice_documents_only_withdrawn_once
    BEFORE UPDATE ON ice_documents FOR EACH ROW EXECUTE FUNCTION document_only_withdrawn_once();

CREATE FUNCTION refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER ice_notifications_append_only BEFORE UPDATE OR DELETE ON ice_notifications
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER charges_append_only BEFORE UPDATE OR DELETE ON charges
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER ice_documents_no_delete BEFORE DELETE ON ice_documents
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER wso_certifications_no_delete BEFORE DELETE ON wso_certifications
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER bookings_no_delete BEFORE DELETE ON bookings
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
