-- Every duty the WSO Memorandum of Agreement puts on the jail, as records with deadlines:
-- citizenship claims (report to ICE within one hour), interpreters, complaints (to ICE within
-- 48 weekday hours), officer credentials, disclosures and annual reviews. Deadlines reuse the
-- alerts and outbox of 0003.

-- Facility settings used by the complaint-process notice and the annual-review reminder.
ALTER TABLE facilities ADD COLUMN contact text;
ALTER TABLE facilities ADD COLUMN agreement_start_on date;

CREATE TABLE interpreters (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    facility_id  bigint NOT NULL REFERENCES facilities (id),
    name         text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    languages    text NOT NULL CHECK (length(btrim(languages)) BETWEEN 1 AND 200),
    contact      text,
    created_by   bigint NOT NULL REFERENCES users (id),
    created_at   timestamptz NOT NULL,
    UNIQUE (facility_id, id)
);

-- The interpreter used at service, for notifications (annotated on the warrant and the record).
ALTER TABLE bookings ADD COLUMN served_interpreter_id bigint REFERENCES interpreters (id);
ALTER TABLE ice_notifications ADD COLUMN interpreter_id bigint REFERENCES interpreters (id);

-- What the person said: a claim to be a U.S. citizen. Not a citizenship field: the product
-- records the claim and that ICE was told, within one hour.
CREATE TABLE citizenship_claims (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    booking_id          bigint NOT NULL REFERENCES bookings (id),
    claimed_at          timestamptz NOT NULL,
    how                 text NOT NULL CHECK (length(btrim(how)) BETWEEN 1 AND 500),
    document            text,
    interpreter_id      bigint REFERENCES interpreters (id),
    recorded_by         bigint NOT NULL REFERENCES users (id),
    recorded_at         timestamptz NOT NULL,
    report_due_at       timestamptz NOT NULL,
    reported_at         timestamptz,
    report_method       text,
    report_contact      text,
    report_response     text,
    reported_by         bigint REFERENCES users (id),
    CHECK (report_due_at = claimed_at + interval '1 hour'),
    CHECK (reported_at IS NULL OR reported_at >= claimed_at),
    CHECK ((reported_at IS NULL) = (report_method IS NULL) AND (reported_at IS NULL) = (report_contact IS NULL)
           AND (reported_at IS NULL) = (reported_by IS NULL))
);
CREATE INDEX citizenship_claims_booking ON citizenship_claims (booking_id, claimed_at DESC);
CREATE INDEX citizenship_claims_unreported ON citizenship_claims (report_due_at) WHERE reported_at IS NULL;

CREATE TABLE complaints (
    id                          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    facility_id                 bigint NOT NULL REFERENCES facilities (id),
    received_at                 timestamptz NOT NULL,
    complainant                 text NOT NULL CHECK (length(btrim(complainant)) BETWEEN 1 AND 500),
    officers                    text[] NOT NULL DEFAULT '{}',
    summary                     text NOT NULL CHECK (length(btrim(summary)) BETWEEN 1 AND 5000),
    received_by                 bigint NOT NULL REFERENCES users (id),
    recorded_at                 timestamptz NOT NULL,
    -- 48 hours excluding weekends, in the facility's zone (domain::weekdays).
    ice_due_at                  timestamptz NOT NULL CHECK (ice_due_at > received_at),
    ice_notified_at             timestamptz CHECK (ice_notified_at >= received_at),
    ice_method                  text,
    ice_contact                 text,
    outcome_at                  timestamptz CHECK (outcome_at >= received_at),
    outcome_summary             text,
    outcome_reported_to_ice_at  timestamptz CHECK (outcome_reported_to_ice_at >= outcome_at),
    CHECK ((ice_notified_at IS NULL) = (ice_method IS NULL)),
    CHECK ((outcome_at IS NULL) = (outcome_summary IS NULL))
);
CREATE INDEX complaints_open ON complaints (ice_due_at) WHERE ice_notified_at IS NULL;

-- Officer credentials, each fact its own row (never edited).
CREATE TABLE wso_exams (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id),
    taken_on     date NOT NULL,
    score        integer NOT NULL CHECK (score BETWEEN 0 AND 100),
    recorded_by  bigint REFERENCES users (id),
    recorded_at  timestamptz NOT NULL
);
CREATE TABLE wso_credentials (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id             bigint NOT NULL REFERENCES users (id),
    form_70_006_number  text NOT NULL CHECK (length(btrim(form_70_006_number)) BETWEEN 1 AND 50),
    issued_on           date NOT NULL,
    returned_on         date CHECK (returned_on >= issued_on),
    recorded_by         bigint REFERENCES users (id),
    recorded_at         timestamptz NOT NULL
);
CREATE TABLE wso_withdrawals (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users (id),
    received_on   date NOT NULL,
    effective_on  date NOT NULL,
    recorded_by   bigint REFERENCES users (id),
    recorded_at   timestamptz NOT NULL
);
CREATE TABLE wso_departures (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id),
    given_on     date NOT NULL,
    departs_on   date NOT NULL CHECK (departs_on >= given_on),
    recorded_by  bigint REFERENCES users (id),
    recorded_at  timestamptz NOT NULL
);

-- Releases of information produced under the agreement: cleared with ICE first, or explained.
CREATE TABLE disclosures (
    id                        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    facility_id               bigint NOT NULL REFERENCES facilities (id),
    what                      text NOT NULL CHECK (length(btrim(what)) BETWEEN 1 AND 2000),
    recipient                 text NOT NULL CHECK (length(btrim(recipient)) BETWEEN 1 AND 500),
    requested_on              date NOT NULL,
    clearance_requested_on    date,
    cleared_on                date,
    released_on               date,
    early_release_reason      text,
    recorded_by               bigint NOT NULL REFERENCES users (id),
    recorded_at               timestamptz NOT NULL,
    CONSTRAINT released_after_clearance_or_explained CHECK (
        released_on IS NULL OR (cleared_on IS NOT NULL AND released_on >= cleared_on)
        OR length(btrim(early_release_reason)) > 0)
);

CREATE TABLE annual_reviews (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    facility_id  bigint NOT NULL REFERENCES facilities (id),
    held_on      date NOT NULL,
    attendees    text NOT NULL CHECK (length(btrim(attendees)) BETWEEN 1 AND 2000),
    notes        text,
    recorded_by  bigint NOT NULL REFERENCES users (id),
    recorded_at  timestamptz NOT NULL
);

-- Alerts of the new duties; a complaint alert names its complaint instead of a booking.
ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check;
ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check CHECK (kind ~ '^(deadline_at_service|deadline_[0-9]+h|deadline_passed|ice_document_recorded|post_service_notice|post_service_notice_overdue|citizenship_claim_report_due|citizenship_claim_report_overdue|complaint_ice_due|complaint_ice_overdue|annual_review_due)$');
ALTER TABLE alerts ADD COLUMN complaint_id bigint REFERENCES complaints (id);

CREATE TRIGGER interpreters_no_delete BEFORE DELETE ON interpreters FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER citizenship_claims_no_delete BEFORE DELETE ON citizenship_claims FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER complaints_no_delete BEFORE DELETE ON complaints FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER wso_exams_append_only BEFORE UPDATE OR DELETE ON wso_exams FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER wso_withdrawals_append_only BEFORE UPDATE OR DELETE ON wso_withdrawals FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER wso_departures_append_only BEFORE UPDATE OR DELETE ON wso_departures FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER wso_credentials_no_delete BEFORE DELETE ON wso_credentials FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER disclosures_append_only BEFORE UPDATE OR DELETE ON disclosures FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER annual_reviews_append_only BEFORE UPDATE OR DELETE ON annual_reviews FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- The watcher looks for services of the last days without a post-service notification.
CREATE INDEX bookings_served_at ON bookings (served_at) WHERE served_at IS NOT NULL;
