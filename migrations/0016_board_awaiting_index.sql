-- The page's second list ("Also held": past the point of release awaiting service, or held
-- under an IGSA) read through `bookings_facility_status` as a bitmap scan of two statuses.
-- Every booking that leaves the list (served: in_custody -> wso_hold) leaves a dead entry there,
-- and on a large table VACUUM skips index cleanup while fewer than 2 % of its pages hold dead
-- rows: at 1,000,000 bookings each page view visited 400 dead rows' pages (0.35 ms of 0.94).
-- This partial index holds exactly the list, like `bookings_open_holds` for the running
-- clocks; it is read by a plain index scan, which marks dead entries as it meets them so that
-- later reads skip them.
CREATE INDEX bookings_awaiting ON bookings (facility_id)
    WHERE (status = 'in_custody' AND release_point_at IS NOT NULL) OR status = 'igsa_hold';
