-- Row-level security (issue 28; decision 0036): the second wall between agencies, behind the
-- services' checks. Every table holding an agency's case data answers only the rows of the
-- facilities in the caller's scope, which the app sets on each connection it takes from its
-- pool (`db::scope`): `wso.facilities`, the ids a signed-in user may see ('{1,2}'), or
-- `wso.system = on` for the server's own work (the deadline watcher, deliveries, the CLI),
-- which no web request can set. No scope set: no rows.
--
-- FORCE: the policies hold for the schema owner too, so an installation whose app connects as
-- the owner (DATABASE_URL without DATABASE_OWNER_URL) is walled as well. Only a superuser or a
-- role with BYPASSRLS passes (the test suite's superuser does, to look at everything).

-- Whether the caller's scope reaches a facility. A plain SQL function: inlined into each
-- policy, so the planner sees the expression itself.
CREATE FUNCTION wso_sees_facility(facility bigint) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT current_setting('wso.system', true) = 'on'
        OR facility = ANY (NULLIF(current_setting('wso.facilities', true), '')::bigint[])
$$;

-- Whether the caller's scope reaches a booking (its facility's): for the rows that belong to a
-- case. The booking is read under the bookings' own policy.
CREATE FUNCTION wso_sees_booking(booking bigint) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT current_setting('wso.system', true) = 'on'
        OR EXISTS (SELECT 1 FROM bookings b WHERE b.id = booking)
$$;

DO $$
DECLARE
    t text;
BEGIN
    -- Keyed on their facility.
    FOREACH t IN ARRAY ARRAY['bookings', 'complaints', 'disclosures', 'interpreters', 'annual_reviews',
                             'webhook_endpoints', 'import_drafts'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY agency_wall ON %I USING (wso_sees_facility(facility_id))
                        WITH CHECK (wso_sees_facility(facility_id))', t);
    END LOOP;
    -- Keyed on their booking.
    FOREACH t IN ARRAY ARRAY['charges', 'ice_documents', 'ice_notifications', 'citizenship_claims'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY agency_wall ON %I USING (wso_sees_booking(booking_id))
                        WITH CHECK (wso_sees_booking(booking_id))', t);
    END LOOP;
END $$;

-- The operator's usage page (counts per agency, no case data) reads across every agency: a
-- function that widens the scope for its own query only and returns counts. `running` is the
-- status of a running clock, bound by the caller from the domain's word. (A function's own
-- `SET wso.system = on` clause needs a superuser for a custom setting: the scope is widened
-- and put back inside instead; the query runs whole before it is put back.)
CREATE FUNCTION agency_case_counts(now_at timestamptz, running text)
RETURNS TABLE (agency_id bigint, running_clocks bigint, past_deadline bigint, bookings_last_30_days bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    was text := coalesce(current_setting('wso.system', true), '');
BEGIN
    PERFORM set_config('wso.system', 'on', true);
    RETURN QUERY
    SELECT a.id,
           (SELECT count(*) FROM bookings b JOIN facilities f ON f.id = b.facility_id
             WHERE f.agency_id = a.id AND b.status = running),
           (SELECT count(*) FROM bookings b JOIN facilities f ON f.id = b.facility_id
             WHERE f.agency_id = a.id AND b.status = running AND b.custody_deadline < now_at),
           (SELECT count(*) FROM bookings b JOIN facilities f ON f.id = b.facility_id
             WHERE f.agency_id = a.id AND b.booked_at >= now_at - interval '30 days')
      FROM agencies a;
    PERFORM set_config('wso.system', was, true);
END;
$$;

-- Whether a case or a complaint exists at all, beyond the caller's scope: a request for one the
-- wall hides is still a refused access to audit (issue 26: a 404 like one that does not exist,
-- audited as `access_denied`), not a true 404. Answers existence only.
CREATE FUNCTION wso_exists_beyond_scope(kind text, row_id bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    was text := coalesce(current_setting('wso.system', true), '');
    found boolean;
BEGIN
    PERFORM set_config('wso.system', 'on', true);
    found := CASE kind
        WHEN 'booking' THEN EXISTS (SELECT 1 FROM bookings WHERE id = row_id)
        WHEN 'complaint' THEN EXISTS (SELECT 1 FROM complaints WHERE id = row_id)
    END;
    PERFORM set_config('wso.system', was, true);
    RETURN coalesce(found, false);
END;
$$;
