-- The wall's facility test in logarithmic time (issue 32; decision 0036's addendum). Until now
-- each walled row was tested with `facility_id = ANY (<the scope's array>)`, a linear search:
-- about 12 µs a row for a scope of 1,000 facilities (a state's oversight), paid again by every
-- row of a case reached through its booking, so that a state's year of the program report
-- spent most of its time in the wall. A scope of more than 32 facilities is now read once per
-- statement into a multirange (an InitPlan, like the settings before) and each row is tested
-- by containment, a binary search. The setting is the same (`wso.facilities`); what each scope
-- reaches is unchanged (tests/it/row_security.rs and cross_agency.rs hold it).

DO $$
DECLARE
    t text;
    system_scope text := $q$(SELECT current_setting('wso.system', true)) = 'on'$q$;
    installation text := $q$(SELECT current_setting('wso.installation', true)) = 'on'$q$;
    -- A scope of up to 32 facilities (an agency's, a liaison's) is tested as before, against
    -- the array: a short linear search costs less a row than a multirange's. A larger one (a
    -- state's) as ranges of ids (NULL when none: no row passes; a NULL id is left out, never an
    -- unbounded range). Both written out in the policy:
    -- a SQL function (which a `SET search_path` keeps from being inlined) cost about 50 µs a
    -- statement to call. Each sub-select is an InitPlan, evaluated once per statement and only
    -- if its branch is taken.
    facility_in_scope text := $q$CASE WHEN (SELECT cardinality(NULLIF(current_setting('wso.facilities', true), '')::bigint[])) <= 32
        THEN facility_id = ANY ((SELECT NULLIF(current_setting('wso.facilities', true), '')::bigint[])::bigint[])
        ELSE facility_id <@ (SELECT range_agg(int8range(f, f, '[]')) FROM unnest(NULLIF(current_setting('wso.facilities', true), '')::bigint[]) AS f
                              WHERE f IS NOT NULL)
    END$q$;
    agencies text := $q$((SELECT wso_scope_agencies())::bigint[])$q$;
    alert_in_scope text;
BEGIN
    FOREACH t IN ARRAY ARRAY['bookings', 'complaints', 'disclosures', 'interpreters', 'annual_reviews',
                             'webhook_endpoints', 'import_drafts', 'displays'] LOOP
        EXECUTE format('ALTER POLICY agency_wall ON %I USING (%s OR %s) WITH CHECK (%s OR %s)',
                       t, system_scope, facility_in_scope, system_scope, facility_in_scope);
    END LOOP;
    alert_in_scope := format('%s OR %s OR (facility_id IS NULL AND (agency_id = ANY (%s) OR (agency_id IS NULL AND %s)))',
                             system_scope, facility_in_scope, agencies, installation);
    EXECUTE format('ALTER POLICY agency_wall ON alerts USING (%s) WITH CHECK (%s)', alert_in_scope, alert_in_scope);
END $$;
