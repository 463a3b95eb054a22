-- Oversight: program statistics, IGSA billing and the opt-in public page.

-- Reports select bookings of a facility by booking time.
CREATE INDEX bookings_facility_booked_at ON bookings (facility_id, booked_at);
-- And IGSA holds by their start.
CREATE INDEX bookings_igsa ON bookings (facility_id, igsa_at) WHERE igsa_at IS NOT NULL;

-- The agreement's daily rate for a person held under the IGSA, in cents.
ALTER TABLE facilities ADD COLUMN igsa_daily_rate_cents bigint CHECK (igsa_daily_rate_cents >= 0);
-- The public page of aggregates: off unless an admin turns it on.
ALTER TABLE facilities ADD COLUMN public_enabled boolean NOT NULL DEFAULT false;
ALTER TABLE facilities ADD COLUMN public_changed_at timestamptz;
