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

-- Whether the caller's scope reaches a row: its facility is in `wso.facilities`, or the scope is
-- the system's. Each setting is read in a sub-select, which PostgreSQL evaluates once per
-- statement (an InitPlan), not once per row: the list is parsed once, and the board's
-- statement pays a comparison per row (decision 0036, measured by `benches/run`). A row of a
-- case is reached through its booking, read under the bookings' own policy. (The outer
-- `::bigint[]` changes nothing but makes `ANY (…)` take the sub-select's value as the array:
-- `ANY ((SELECT …))` alone would read it as a set of rows.)
DO $$
DECLARE
    t text;
    system_scope text := $q$(SELECT current_setting('wso.system', true)) = 'on'$q$;
    facility_in_scope text := $q$facility_id = ANY ((SELECT NULLIF(current_setting('wso.facilities', true), '')::bigint[])::bigint[])$q$;
    booking_in_scope text := $q$EXISTS (SELECT 1 FROM bookings b WHERE b.id = booking_id)$q$;
BEGIN
    -- Keyed on their facility.
    FOREACH t IN ARRAY ARRAY['bookings', 'complaints', 'disclosures', 'interpreters', 'annual_reviews',
                             'webhook_endpoints', 'import_drafts'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY agency_wall ON %I USING (%s OR %s) WITH CHECK (%s OR %s)',
                       t, system_scope, facility_in_scope, system_scope, facility_in_scope);
    END LOOP;
    -- Keyed on their booking.
    FOREACH t IN ARRAY ARRAY['charges', 'ice_documents', 'ice_notifications', 'citizenship_claims'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY agency_wall ON %I USING (%s OR %s) WITH CHECK (%s OR %s)',
                       t, system_scope, booking_in_scope, system_scope, booking_in_scope);
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
