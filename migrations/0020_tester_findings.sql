-- Audit entries the app role cannot backdate or place (issue 26, 4; decision 0034).
--
-- Until now the statement chose `recorded_at`, and `id` was an identity column that
-- `INSERT ... OVERRIDING SYSTEM VALUE` could set: the app role could append an entry that
-- claimed to have been entered long ago, with an id among old ones, and the chain held.
--
-- 1. `id` is assigned by the chain's row trigger, from its own sequence, while the chain's head
--    is locked: ids increase in chain order. A statement that supplies an id is refused.
-- 2. `recorded_at` is the database's clock when the entry joins the chain (never before the
--    entry before it), whatever the statement says: when the entry was really entered.
-- 3. `entered_at`: the application's clock when it wrote the entry (what `recorded_at` was
--    until now), the same clock as `at`; the case page's "entered later" compares the two.
--    The hash covers it (`audit_canonical`); entries written before this migration have none,
--    and `concat_ws` leaves a NULL out, so their canonical bytes and hashes are unchanged.
-- 4. The statement's AFTER trigger also checks, from the appended rows, that ids and
--    `recorded_at` continue the entry at the head in increasing order (a forged running state
--    in `wso.audit_chain` cannot break that either).

ALTER TABLE audit_log ADD COLUMN entered_at timestamptz;

CREATE OR REPLACE FUNCTION audit_canonical(e audit_log) RETURNS bytea
LANGUAGE sql STABLE AS $$
    SELECT convert_to(concat_ws(E'\x1f',
        e.chain_seq::text,
        e.id::text,
        to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        to_char(e.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        coalesce(e.actor_id::text, E'\\N'),
        coalesce(e.actor, E'\\N'),
        e.action,
        coalesce(e.ip, E'\\N'),
        e.detail::text,
        coalesce(e.booking_id::text, E'\\N'),
        to_char(e.entered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')), 'UTF8')
$$;

-- The id: no longer an identity (which OVERRIDING SYSTEM VALUE can set) and no default; the
-- trigger assigns it.
ALTER TABLE audit_log ALTER COLUMN id DROP IDENTITY IF EXISTS;
CREATE SEQUENCE audit_log_entry_id;
SELECT setval('audit_log_entry_id', coalesce((SELECT max(id) FROM audit_log), 0) + 1, false);
REVOKE ALL ON SEQUENCE audit_log_entry_id FROM PUBLIC;

CREATE OR REPLACE FUNCTION audit_chain_append() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    running text := coalesce(current_setting('wso.audit_chain', true), '');
    seq bigint;
    prev bytea;
    prev_recorded timestamptz;
BEGIN
    IF NEW.id IS NOT NULL THEN
        RAISE EXCEPTION 'audit entry ids are assigned by the database: a supplied id (%) is refused', NEW.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF running = '' THEN
        SELECT h.seq, h.hash INTO seq, prev FROM audit_head h WHERE one FOR UPDATE;
        SELECT a.recorded_at INTO prev_recorded FROM audit_log a WHERE a.chain_seq = seq;
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
    PERFORM set_config('wso.audit_chain',
        NEW.chain_seq || ' ' || encode(NEW.hash, 'hex') || ' '
            || to_char(NEW.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), true);
    RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION audit_chain_close() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    head audit_head;
    n bigint;
    last_seq bigint;
    breaks bigint;
    last_hash bytea;
    head_id bigint;
    head_recorded timestamptz;
BEGIN
    SELECT count(*), max(chain_seq) INTO n, last_seq FROM appended;
    IF n = 0 THEN
        RETURN NULL;
    END IF;
    SELECT * INTO head FROM audit_head WHERE one FOR UPDATE;
    SELECT a.id, a.recorded_at INTO head_id, head_recorded FROM audit_log a WHERE a.chain_seq = head.seq;
    -- The appended rows continue the head: positions head+1 .. head+n, each linked to the one
    -- before (the first to the head's hash), with ids and times that only increase.
    SELECT count(*) INTO breaks FROM (
        SELECT chain_seq, prev_hash, id, recorded_at,
               lag(hash, 1, head.hash) OVER (ORDER BY chain_seq) AS expected,
               lag(chain_seq, 1, head.seq) OVER (ORDER BY chain_seq) AS before,
               lag(id, 1, coalesce(head_id, 0)) OVER (ORDER BY chain_seq) AS id_before,
               lag(recorded_at, 1, coalesce(head_recorded, '-infinity')) OVER (ORDER BY chain_seq) AS recorded_before
        FROM appended) a
    WHERE a.prev_hash <> a.expected OR a.chain_seq <> a.before + 1
       OR a.id <= a.id_before OR a.recorded_at < a.recorded_before;
    IF breaks > 0 OR last_seq <> head.seq + n THEN
        RAISE EXCEPTION 'audit entries must continue the chain at its head (%)', head.seq
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT hash INTO last_hash FROM appended WHERE chain_seq = last_seq;
    UPDATE audit_head SET seq = last_seq, hash = last_hash WHERE one;
    PERFORM set_config('wso.audit_chain', '', true);
    RETURN NULL;
END;
$$;

-- Temporary passwords (issue 26, 8): an admin's reset opens one sign-in before
-- `temporary_password_until` (72 hours on); that sign-in clears it, so the same password opens
-- no other. NULL: no temporary password outstanding. One outstanding at this migration gets
-- its 72 hours from now.
ALTER TABLE users ADD COLUMN temporary_password_until timestamptz;
UPDATE users SET temporary_password_until = now() + interval '72 hours' WHERE must_change_password;
