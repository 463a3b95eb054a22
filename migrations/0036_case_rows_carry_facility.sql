-- A case's rows carry their booking's facility (issue 32; decision 0046). The wall admitted a
-- charge, an ICE document, a notification, a citizenship claim or a pickup plan through
-- `EXISTS (SELECT 1 FROM bookings b WHERE b.id = booking_id)`: a lookup of its booking, under
-- the bookings' own policy, for every row read. The program report reads a booking's documents
-- and charges, so behind the wall it took about twice its statement's time (docs/performance.md,
-- run M). Each row now holds its booking's facility and the wall tests it as it tests a booking.
--
-- The copy cannot drift: a booking's facility is never changed, and the foreign key
-- (booking_id, facility_id) -> bookings (id, facility_id) refuses a row naming any other
-- facility than its booking's, whoever writes it. A writer may leave the column out: a trigger
-- fills it from the booking, read under the writer's own scope, so a booking the writer cannot
-- see leaves it NULL and the wall refuses the row, as before. What each scope reaches is
-- unchanged (tests/it/row_security.rs, row_security_cases.rs, cross_agency.rs).

-- The existing rows are filled as the system (the owner is walled too: FORCE).
SELECT set_config('wso.system', 'on', true);

ALTER TABLE bookings ADD CONSTRAINT bookings_id_facility_key UNIQUE (id, facility_id);

CREATE FUNCTION case_row_facility() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    NEW.facility_id := (SELECT b.facility_id FROM bookings b WHERE b.id = NEW.booking_id);
    RETURN NEW;
END $$;

DO $$
DECLARE
    t text;
    -- The bookings' own test (0034), written out again: a function would cost a call a row.
    system_scope text := $q$(SELECT current_setting('wso.system', true)) = 'on'$q$;
    facility_in_scope text := $q$CASE WHEN (SELECT cardinality(NULLIF(current_setting('wso.facilities', true), '')::bigint[])) <= 32
        THEN facility_id = ANY ((SELECT NULLIF(current_setting('wso.facilities', true), '')::bigint[])::bigint[])
        ELSE facility_id <@ (SELECT range_agg(int8range(f, f, '[]')) FROM unnest(NULLIF(current_setting('wso.facilities', true), '')::bigint[]) AS f
                              WHERE f IS NOT NULL)
    END$q$;
BEGIN
    FOREACH t IN ARRAY ARRAY['charges', 'ice_documents', 'ice_notifications', 'citizenship_claims', 'pickup_plans'] LOOP
        EXECUTE format('ALTER TABLE %I ADD COLUMN facility_id bigint', t);
        -- Filling the column is no change of the record: its append-only, board and webhook
        -- triggers are held while it is written.
        EXECUTE format('ALTER TABLE %I DISABLE TRIGGER USER', t);
        EXECUTE format('UPDATE %I t SET facility_id = b.facility_id FROM bookings b WHERE b.id = t.booking_id', t);
        EXECUTE format('ALTER TABLE %I ENABLE TRIGGER USER', t);
        EXECUTE format('ALTER TABLE %I ALTER COLUMN facility_id SET NOT NULL', t);
        EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', t, t || '_booking_id_fkey');
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I FOREIGN KEY (booking_id, facility_id) REFERENCES bookings (id, facility_id)',
                       t, t || '_booking_facility_fkey');
        EXECUTE format('CREATE TRIGGER %I BEFORE INSERT ON %I FOR EACH ROW WHEN (NEW.facility_id IS NULL) EXECUTE FUNCTION case_row_facility()',
                       t || '_facility', t);
        EXECUTE format('ALTER POLICY agency_wall ON %I USING (%s OR %s) WITH CHECK (%s OR %s)',
                       t, system_scope, facility_in_scope, system_scope, facility_in_scope);
    END LOOP;
END $$;
