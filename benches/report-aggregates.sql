-- One statement computing the program report's aggregates for the facilities whose code is
-- LIKE the pattern (benches/run: one facility, 'BENCH'; benches/state.rs: one facility, or
-- 'F%' for a whole state) over the report's default period, the twelve months ending today in
-- each facility's zone: the counts, the median and longest service-to-transfer, the charges by
-- category and the months. The reference the app's report is measured against.
WITH p AS (
  SELECT f.id, f.timezone,
         (((now() AT TIME ZONE f.timezone)::date - interval '12 months')::date + 1)::timestamp AT TIME ZONE f.timezone AS lo,
         ((now() AT TIME ZONE f.timezone)::date + 1)::timestamp AT TIME ZONE f.timezone AS hi
  FROM facilities f WHERE f.code LIKE 'BENCH'),
x AS MATERIALIZED (
  SELECT b.id, b.booked_at, b.status, b.served_at, b.igsa_at, b.closed_at, b.release_reason, b.over_detained_seconds, p.timezone,
         ARRAY(SELECT d.kind FROM ice_documents d WHERE d.booking_id = b.id) AS kinds
  FROM p JOIN bookings b ON b.facility_id = p.id AND b.has_ice_document AND b.booked_at >= p.lo AND b.booked_at < p.hi),
y AS (SELECT * FROM x WHERE cardinality(kinds) > 0)
SELECT (SELECT count(*) FROM y) AS people,
  (SELECT json_build_object(
     'with_detainer', count(*) FILTER (WHERE 'I-247A' = ANY (kinds)),
     'with_warrant', count(*) FILTER (WHERE kinds && ARRAY['I-200', 'I-205']),
     'with_both', count(*) FILTER (WHERE 'I-247A' = ANY (kinds) AND kinds && ARRAY['I-200', 'I-205']),
     'served', count(served_at), 'igsa_holds', count(igsa_at),
     'transferred', count(*) FILTER (WHERE status = 'transferred'),
     'released_at_limit', count(*) FILTER (WHERE status = 'released' AND release_reason = 'clock_expired'),
     'released_other', count(*) FILTER (WHERE status = 'released' AND release_reason IS DISTINCT FROM 'clock_expired'),
     'still_held', count(*) FILTER (WHERE status IN ('in_custody', 'wso_hold')),
     'over_detained', count(*) FILTER (WHERE over_detained_seconds > 0),
     'over_detained_seconds_total', coalesce(sum(over_detained_seconds), 0),
     'median_service_to_transfer_seconds', percentile_disc(0.5) WITHIN GROUP (ORDER BY closed_at - served_at) FILTER (WHERE status = 'transferred'),
     'longest_service_to_transfer_seconds', max(closed_at - served_at) FILTER (WHERE status = 'transferred')) FROM y) AS totals,
  (SELECT json_object_agg(category, n) FROM (SELECT c.category, count(*) AS n FROM y JOIN charges c ON c.booking_id = y.id GROUP BY 1) c) AS charges,
  (SELECT json_agg(m ORDER BY m.month) FROM (
     SELECT to_char(booked_at AT TIME ZONE timezone, 'YYYY-MM') AS month, count(*) AS people, count(served_at) AS served,
            count(igsa_at) AS igsa_holds, count(*) FILTER (WHERE status = 'transferred') AS transferred,
            count(*) FILTER (WHERE status = 'released' AND release_reason = 'clock_expired') AS released_at_limit,
            count(*) FILTER (WHERE status = 'released' AND release_reason IS DISTINCT FROM 'clock_expired') AS released_other,
            count(*) FILTER (WHERE status IN ('in_custody', 'wso_hold')) AS still_held
     FROM y GROUP BY 1) m) AS months;
