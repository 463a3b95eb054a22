-- One audit chain per agency (issue 28; decision 0037). Until now every entry of the
-- installation joined one chain under one head: the appends of every agency waited on each
-- other, and an agency could not verify its log by itself. Now each agency has its own chain
-- (its own head and positions), and the installation keeps one for what belongs to no agency
-- (the command line, the operator, the server, accounts of no agency): `chain` 0.
--
-- Which chain an entry joins is decided here, by the trigger, never by the statement: the
-- agency of its case's facility; else the agency of the account that acted; else the
-- installation's. Entries written before this migration stay in the installation's chain,
-- where they were verified; each agency's chain starts at the upgrade.
--
-- Each entry's hash still covers every column (`audit_canonical`): the chain is added when it
-- is not the installation's, and `concat_ws` leaves a NULL out, so the bytes and hashes of
-- every existing entry, and of the installation's new ones, are unchanged.

ALTER TABLE audit_log ADD COLUMN chain bigint NOT NULL DEFAULT 0;
ALTER TABLE audit_log DROP CONSTRAINT audit_chain_seq_unique;
ALTER TABLE audit_log ADD CONSTRAINT audit_chain_position UNIQUE (chain, chain_seq);

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
        to_char(e.entered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        NULLIF(e.chain, 0)::text), 'UTF8')
$$;

-- The heads: one per chain. The installation's is the existing row.
ALTER TABLE audit_head ADD COLUMN chain bigint NOT NULL DEFAULT 0;
ALTER TABLE audit_head DROP CONSTRAINT audit_head_pkey;
ALTER TABLE audit_head DROP COLUMN one;
ALTER TABLE audit_head ADD PRIMARY KEY (chain);
ALTER TABLE audit_head ALTER COLUMN chain DROP DEFAULT;
-- An agency's head is there from its creation (and for the agencies there are now).
INSERT INTO audit_head (chain, seq, hash)
SELECT id, 0, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea FROM agencies;

CREATE FUNCTION audit_head_for_agency() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO audit_head (chain, seq, hash)
    VALUES (NEW.id, 0, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
    ON CONFLICT (chain) DO NOTHING;
    RETURN NULL;
END;
$$;
CREATE TRIGGER agency_audit_head
    AFTER INSERT ON agencies
    FOR EACH ROW EXECUTE FUNCTION audit_head_for_agency();

-- A head starts at the chain's beginning, moves forward only onto an entry of its own chain,
-- and never changes chain.
CREATE OR REPLACE FUNCTION audit_head_forward_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.chain <> OLD.chain OR NEW.seq <= OLD.seq
       OR NOT EXISTS (SELECT 1 FROM audit_log WHERE chain = NEW.chain AND chain_seq = NEW.seq AND hash = NEW.hash) THEN
        RAISE EXCEPTION 'audit_head moves forward only, onto an entry of its chain: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;

CREATE FUNCTION audit_head_starts_empty() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seq <> 0 OR NEW.hash <> '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea THEN
        RAISE EXCEPTION 'a new audit chain starts at its beginning: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER audit_head_starts
    BEFORE INSERT ON audit_head
    FOR EACH ROW EXECUTE FUNCTION audit_head_starts_empty();

-- The row trigger: the entry's chain, then (at a chain's first entry in the statement) its head
-- locked and read; the running state of each chain is carried row to row in a transaction-local
-- setting of its own (`wso.audit_chain_<chain>`), checked by the statement's AFTER trigger.
CREATE OR REPLACE FUNCTION audit_chain_append() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    running text;
    seq bigint;
    prev bytea;
    prev_recorded timestamptz;
BEGIN
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
    RETURN NEW;
END;
$$;

-- The statement's AFTER trigger: for each chain it appended to (in chain order, so two
-- statements lock heads in the same order), the rows continue the head without a gap or a fork,
-- with ids and times that only increase; the head moves to the last of them.
CREATE OR REPLACE FUNCTION audit_chain_close() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    c bigint;
    head audit_head;
    n bigint;
    last_seq bigint;
    breaks bigint;
    last_hash bytea;
    head_id bigint;
    head_recorded timestamptz;
BEGIN
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
    RETURN NULL;
END;
$$;

-- The statement's BEFORE trigger forgot the one chain's running state; the states are per chain
-- now, each cleared by the AFTER trigger when its statement ends (a forged one cannot pass that
-- trigger's check, which reads the appended rows themselves).
DROP TRIGGER audit_log_chain_reset ON audit_log;
DROP FUNCTION audit_chain_reset();
