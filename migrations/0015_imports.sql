-- Booking imports (issue 14, decision 0024).
--
-- 1. The audit chain, batched. Until now every appended entry locked and rewrote the one-row
--    `audit_head`; inside one transaction that writes many entries (an import of 100,000
--    bookings writes 100,000 `booking_created` entries) each rewrite leaves a row version the
--    next lookup must step over, so the cost grew with the square of the entries (5 1/2 minutes
--    for 100,000). Now the head is locked once per statement and rewritten once per statement:
--    a BEFORE STATEMENT trigger forgets any running state, the row trigger seeds it from the
--    locked head at the statement's first row and carries (seq, hash) from row to row in a
--    transaction-local setting, and an AFTER STATEMENT trigger checks, from the inserted rows
--    themselves, that they continue the head without a gap or a fork (so a forged setting can
--    never extend the chain) and moves the head to the last of them. Each entry's hash is
--    still SHA-256(prev_hash || audit_canonical(entry)); `audit verify` is unchanged.
-- 2. The head moves forward only onto an entry that exists with that position and hash (it
--    could only move one entry at a time before; a statement now appends many).
-- 3. `import_drafts`: between a web import's preview and its confirmation, only the checked,
--    allowed fields of each booking (never the uploaded file), owned by the user, for an hour.

CREATE OR REPLACE FUNCTION audit_chain_reset() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM set_config('wso.audit_chain', '', true);
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION audit_chain_append() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    running text := coalesce(current_setting('wso.audit_chain', true), '');
    seq bigint;
    prev bytea;
BEGIN
    IF running = '' THEN
        SELECT h.seq, h.hash INTO seq, prev FROM audit_head h WHERE one FOR UPDATE;
    ELSE
        seq := split_part(running, ' ', 1)::bigint;
        prev := decode(split_part(running, ' ', 2), 'hex');
    END IF;
    NEW.chain_seq := seq + 1;
    NEW.prev_hash := prev;
    NEW.hash := sha256(prev || audit_canonical(NEW));
    PERFORM set_config('wso.audit_chain', NEW.chain_seq || ' ' || encode(NEW.hash, 'hex'), true);
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
BEGIN
    SELECT count(*), max(chain_seq) INTO n, last_seq FROM appended;
    IF n = 0 THEN
        RETURN NULL;
    END IF;
    SELECT * INTO head FROM audit_head WHERE one FOR UPDATE;
    -- The appended rows continue the head: positions head+1 .. head+n, each linked to the one
    -- before (the first to the head's hash).
    SELECT count(*) INTO breaks FROM (
        SELECT chain_seq, prev_hash,
               lag(hash, 1, head.hash) OVER (ORDER BY chain_seq) AS expected,
               lag(chain_seq, 1, head.seq) OVER (ORDER BY chain_seq) AS before
        FROM appended) a
    WHERE a.prev_hash <> a.expected OR a.chain_seq <> a.before + 1;
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

CREATE TRIGGER audit_log_chain_reset
    BEFORE INSERT ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_reset();

CREATE TRIGGER audit_log_chain_close
    AFTER INSERT ON audit_log
    REFERENCING NEW TABLE AS appended
    FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_close();

CREATE OR REPLACE FUNCTION audit_head_forward_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seq <= OLD.seq
       OR NOT EXISTS (SELECT 1 FROM audit_log WHERE chain_seq = NEW.seq AND hash = NEW.hash) THEN
        RAISE EXCEPTION 'audit_head moves forward only, onto an entry of the chain: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TABLE import_drafts (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id               bigint NOT NULL REFERENCES users (id),
    facility_id           bigint NOT NULL REFERENCES facilities (id),
    format                text NOT NULL CHECK (format IN ('csv', 'niem')),
    only_immigration_hold boolean NOT NULL,
    -- The checked bookings: booking number, names, date of birth, booked at (UTC), charges.
    bookings              jsonb NOT NULL CHECK (jsonb_typeof(bookings) = 'array'),
    created_at            timestamptz NOT NULL,
    expires_at            timestamptz NOT NULL CHECK (expires_at > created_at)
);
CREATE INDEX import_drafts_expiry ON import_drafts (expires_at);

-- A booking imported from the command line has no signed-in creator: its `booking_created`
-- entry names the actor `import`. Every other booking still names the user who made it.
ALTER TABLE bookings ALTER COLUMN created_by DROP NOT NULL;
