-- Oversight: program statistics, IGSA billing and the opt-in public page.

-- Reports count the bookings that came with an ICE document: a few in a hundred. A flag kept
-- by the database itself (trigger below) lets a partial index hold just those, by facility and
-- booking time, so a year's report reads only them however long the jail's history.
ALTER TABLE bookings ADD COLUMN has_ice_document boolean NOT NULL DEFAULT false;
UPDATE bookings b SET has_ice_document = true WHERE EXISTS (SELECT 1 FROM ice_documents d WHERE d.booking_id = b.id);
CREATE INDEX bookings_ice_interest ON bookings (facility_id, booked_at) WHERE has_ice_document;

CREATE FUNCTION mark_ice_interest() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE bookings SET has_ice_document = true WHERE id = NEW.booking_id AND NOT has_ice_document;
    RETURN NEW;
END;
$$;
CREATE TRIGGER ice_documents_mark_booking AFTER INSERT ON ice_documents
    FOR EACH ROW EXECUTE FUNCTION mark_ice_interest();
-- And IGSA holds by their start.
CREATE INDEX bookings_igsa ON bookings (facility_id, igsa_at) WHERE igsa_at IS NOT NULL;

-- The agreement's daily rate for a person held under the IGSA, in cents.
ALTER TABLE facilities ADD COLUMN igsa_daily_rate_cents bigint CHECK (igsa_daily_rate_cents >= 0);
-- The public page of aggregates: off unless an admin turns it on.
ALTER TABLE facilities ADD COLUMN public_enabled boolean NOT NULL DEFAULT false;
ALTER TABLE facilities ADD COLUMN public_changed_at timestamptz;
