-- Row-level security, the rest of the wall (issue 28; decision 0036): alerts, wall displays and
-- the addresses they were opened from, the audit log, and the WSO roster's records (a WSO's
-- certifications, credentials, withdrawals and departures). Migration 0023 walled a case's rows
-- by facility; these belong to an agency as well as (or instead of) a facility, so the scope
-- also names the caller's own agency (`wso.agency`) and whether it reads the installation's own
-- rows (`wso.installation`: the operator's alerts, the installation's audit chain 0).

-- The agencies a scope reaches: those of its facilities, and its own. STABLE and read in a
-- sub-select by the policies: evaluated once per statement (an InitPlan), like 0023's settings.
CREATE FUNCTION wso_scope_agencies() RETURNS bigint[]
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
    SELECT ARRAY(
        SELECT a FROM (
            SELECT f.agency_id AS a FROM facilities f
             WHERE f.id = ANY (NULLIF(current_setting('wso.facilities', true), '')::bigint[])
            UNION
            SELECT NULLIF(current_setting('wso.agency', true), '')::bigint
        ) s WHERE a IS NOT NULL)
$$;

DO $$
DECLARE
    t text;
    system_scope text := $q$(SELECT current_setting('wso.system', true)) = 'on'$q$;
    installation text := $q$(SELECT current_setting('wso.installation', true)) = 'on'$q$;
    facility_in_scope text := $q$facility_id = ANY ((SELECT NULLIF(current_setting('wso.facilities', true), '')::bigint[])::bigint[])$q$;
    agencies text := $q$((SELECT wso_scope_agencies())::bigint[])$q$;
    alert_in_scope text;
    staff_in_scope text;
BEGIN
    -- Alerts: a case's or a facility's by its facility; one about an account by its agency; one
    -- about the installation (no agency) for the operator.
    alert_in_scope := format('%s OR %s OR (facility_id IS NULL AND (agency_id = ANY (%s) OR (agency_id IS NULL AND %s)))',
                             system_scope, facility_in_scope, agencies, installation);
    ALTER TABLE alerts ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
    EXECUTE format('CREATE POLICY agency_wall ON alerts USING (%s) WITH CHECK (%s)', alert_in_scope, alert_in_scope);

    -- Wall displays by their facility (opened by their secret through wso_display_by_token
    -- below, before anyone is known), and the addresses they were opened from by their display.
    ALTER TABLE displays ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
    EXECUTE format('CREATE POLICY agency_wall ON displays USING (%s OR %s) WITH CHECK (%s OR %s)',
                   system_scope, facility_in_scope, system_scope, facility_in_scope);
    ALTER TABLE display_addresses ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
    EXECUTE format('CREATE POLICY agency_wall ON display_addresses USING (%s OR %s) WITH CHECK (%s OR %s)',
                   system_scope, 'EXISTS (SELECT 1 FROM displays d WHERE d.id = display_id)',
                   system_scope, 'EXISTS (SELECT 1 FROM displays d WHERE d.id = display_id)');

    -- A WSO's records, by the WSO's agency.
    staff_in_scope := format('EXISTS (SELECT 1 FROM users u WHERE u.id = user_id AND u.agency_id = ANY (%s))', agencies);
    FOREACH t IN ARRAY ARRAY['wso_certifications', 'wso_credentials', 'wso_withdrawals', 'wso_departures'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY agency_wall ON %I USING (%s OR %s) WITH CHECK (%s OR %s)',
                       t, system_scope, staff_in_scope, system_scope, staff_in_scope);
    END LOOP;

    -- The audit log: read by chain (an agency's chain for its agency's scopes, chain 0, the
    -- installation's, for the operator); appended by anyone, since every request is audited,
    -- a refused sign-in too, and the chain is the database's to derive (audit_chain_append),
    -- never the writer's to choose. No policy for UPDATE or DELETE: none passes the wall (and
    -- the append-only triggers refuse them besides).
    ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
    EXECUTE format('CREATE POLICY agency_wall ON audit_log FOR SELECT USING (%s OR chain = ANY (%s) OR (chain = 0 AND %s))',
                   system_scope, agencies, installation);
    CREATE POLICY appended_by_anyone ON audit_log FOR INSERT WITH CHECK (true);
END $$;

-- A wall display is opened by its secret before anyone is known: the live display with this
-- token hash, through the wall (its id and facility only; the request then narrows to that
-- facility and reads the rest under the wall).
CREATE FUNCTION wso_display_by_token(token bytea) RETURNS TABLE (id bigint, facility_id bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    was text := coalesce(current_setting('wso.system', true), '');
BEGIN
    PERFORM set_config('wso.system', 'on', true);
    RETURN QUERY SELECT d.id, d.facility_id FROM displays d WHERE d.token_hash = token AND d.revoked_at IS NULL;
    PERFORM set_config('wso.system', was, true);
END;
$$;

-- The audit triggers read the chain's previous entry, its head and the case's booking through the
-- wall, whoever writes: the scope is widened inside them and put back before they return (as
-- 0023's functions do). Unchanged from 0024 otherwise; the bookings are read under the system
-- scope too, so an entry about a case joins the case's agency's chain even when the writer's
-- scope does not reach the case (a refused access to it, audited).
CREATE OR REPLACE FUNCTION audit_chain_append() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    was text := coalesce(current_setting('wso.system', true), '');
    running text;
    seq bigint;
    prev bytea;
    prev_recorded timestamptz;
BEGIN
    PERFORM set_config('wso.system', 'on', true);
    IF NEW.id IS NOT NULL THEN
        RAISE EXCEPTION 'audit entry ids are assigned by the database: a supplied id (%) is refused', NEW.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    NEW.chain := coalesce(
        (SELECT f.agency_id FROM bookings b JOIN facilities f ON f.id = b.facility_id WHERE b.id = NEW.booking_id),
        (SELECT u.agency_id FROM users u WHERE u.id = NEW.actor_id),
        0);
    running := coalesce(current_setting('wso.audit_chain_' || NEW.chain, true), '');
    IF running = '' THEN
        SELECT h.seq, h.hash INTO seq, prev FROM audit_head h WHERE h.chain = NEW.chain FOR UPDATE;
        IF NOT FOUND THEN
            INSERT INTO audit_head (chain, seq, hash)
            VALUES (NEW.chain, 0, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
            ON CONFLICT (chain) DO NOTHING;
            SELECT h.seq, h.hash INTO seq, prev FROM audit_head h WHERE h.chain = NEW.chain FOR UPDATE;
        END IF;
        SELECT a.recorded_at INTO prev_recorded FROM audit_log a WHERE a.chain = NEW.chain AND a.chain_seq = seq;
    ELSE
        seq := split_part(running, ' ', 1)::bigint;
        prev := decode(split_part(running, ' ', 2), 'hex');
        prev_recorded := nullif(split_part(running, ' ', 3), '')::timestamp AT TIME ZONE 'UTC';
    END IF;
    NEW.id := nextval('audit_log_entry_id');
    NEW.recorded_at := greatest(clock_timestamp(), prev_recorded);
    NEW.entered_at := coalesce(NEW.entered_at, NEW.recorded_at);
    NEW.chain_seq := seq + 1;
    NEW.prev_hash := prev;
    NEW.hash := sha256(prev || audit_canonical(NEW));
    PERFORM set_config('wso.audit_chain_' || NEW.chain,
        NEW.chain_seq || ' ' || encode(NEW.hash, 'hex') || ' '
            || to_char(NEW.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), true);
    PERFORM set_config('wso.system', was, true);
    RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION audit_chain_close() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    was text := coalesce(current_setting('wso.system', true), '');
    c bigint;
    head audit_head;
    n bigint;
    last_seq bigint;
    breaks bigint;
    last_hash bytea;
    head_id bigint;
    head_recorded timestamptz;
BEGIN
    PERFORM set_config('wso.system', 'on', true);
    FOR c IN SELECT DISTINCT chain FROM appended ORDER BY chain LOOP
        SELECT count(*), max(chain_seq) INTO n, last_seq FROM appended WHERE chain = c;
        SELECT * INTO head FROM audit_head h WHERE h.chain = c FOR UPDATE;
        SELECT a.id, a.recorded_at INTO head_id, head_recorded FROM audit_log a
         WHERE a.chain = c AND a.chain_seq = head.seq;
        SELECT count(*) INTO breaks FROM (
            SELECT chain_seq, prev_hash, id, recorded_at,
                   lag(hash, 1, head.hash) OVER (ORDER BY chain_seq) AS expected,
                   lag(chain_seq, 1, head.seq) OVER (ORDER BY chain_seq) AS before,
                   lag(id, 1, coalesce(head_id, 0)) OVER (ORDER BY chain_seq) AS id_before,
                   lag(recorded_at, 1, coalesce(head_recorded, '-infinity')) OVER (ORDER BY chain_seq) AS recorded_before
            FROM appended WHERE chain = c) a
        WHERE a.prev_hash <> a.expected OR a.chain_seq <> a.before + 1
           OR a.id <= a.id_before OR a.recorded_at < a.recorded_before;
        IF breaks > 0 OR last_seq <> head.seq + n THEN
            RAISE EXCEPTION 'audit entries must continue the chain % at its head (%)', c, head.seq
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        SELECT hash INTO last_hash FROM appended WHERE chain = c AND chain_seq = last_seq;
        UPDATE audit_head SET seq = last_seq, hash = last_hash WHERE chain = c;
        PERFORM set_config('wso.audit_chain_' || c, '', true);
    END LOOP;
    PERFORM set_config('wso.system', was, true);
    RETURN NULL;
END;
$$;
