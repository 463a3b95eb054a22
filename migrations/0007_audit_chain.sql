-- The audit log as a hash chain (decision 0016). Each entry stores its place in the chain
-- (`chain_seq`), the hash of the entry before it and its own hash:
--     hash = SHA-256(prev_hash || audit_canonical(entry))
-- The first entry's prev_hash is 32 zero bytes. A trigger appends under a lock on the one-row
-- `audit_head`, so concurrent appends form one chain without forks; `wso-tracker audit verify`
-- walks it. Changing, removing or inserting an entry breaks the chain at that entry; rewriting
-- the whole chain from there on is exposed by a head hash kept elsewhere (`audit head`).

CREATE TABLE audit_head (
    one   boolean PRIMARY KEY DEFAULT true CHECK (one),
    seq   bigint NOT NULL CHECK (seq >= 0),
    hash  bytea NOT NULL CHECK (length(hash) = 32)
);

ALTER TABLE audit_log
    ADD COLUMN chain_seq bigint,
    ADD COLUMN prev_hash bytea,
    ADD COLUMN hash bytea;

-- The bytes an entry's hash covers: every column, in a fixed order and format, NULL as \N.
CREATE FUNCTION audit_canonical(e audit_log) RETURNS bytea
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
        coalesce(e.booking_id::text, E'\\N')), 'UTF8')
$$;

-- Existing entries, in the order they were written.
ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete;
DO $$
DECLARE
    r audit_log;
    prev bytea := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
    n bigint := 0;
BEGIN
    FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
        n := n + 1;
        r.chain_seq := n;
        r.prev_hash := prev;
        r.hash := sha256(prev || audit_canonical(r));
        UPDATE audit_log SET chain_seq = r.chain_seq, prev_hash = r.prev_hash, hash = r.hash WHERE id = r.id;
        prev := r.hash;
    END LOOP;
    INSERT INTO audit_head (one, seq, hash) VALUES (true, n, prev);
END $$;
ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete;

ALTER TABLE audit_log
    ALTER COLUMN chain_seq SET NOT NULL,
    ALTER COLUMN prev_hash SET NOT NULL,
    ALTER COLUMN hash SET NOT NULL,
    ADD CONSTRAINT audit_chain_seq_unique UNIQUE (chain_seq),
    ADD CONSTRAINT audit_hash_lengths CHECK (length(prev_hash) = 32 AND length(hash) = 32);

-- Appends: the head row's lock serialises them (held until the appending transaction ends).
-- SECURITY DEFINER: the app's role needs no right on `audit_head` itself.
CREATE FUNCTION audit_chain_append() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    head audit_head;
BEGIN
    SELECT * INTO head FROM audit_head WHERE one FOR UPDATE;
    NEW.chain_seq := head.seq + 1;
    NEW.prev_hash := head.hash;
    NEW.hash := sha256(head.hash || audit_canonical(NEW));
    UPDATE audit_head SET seq = NEW.chain_seq, hash = NEW.hash WHERE one;
    RETURN NEW;
END;
$$;

CREATE TRIGGER audit_log_chain
    BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_chain_append();

-- The head never goes away or backwards either.
CREATE TRIGGER audit_head_no_delete
    BEFORE DELETE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_head_no_truncate
    BEFORE TRUNCATE ON audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check;
ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check CHECK (kind ~ '^(deadline_at_service|deadline_[0-9]+h|deadline_passed|ice_document_recorded|post_service_notice|post_service_notice_overdue|citizenship_claim_report_due|citizenship_claim_report_overdue|complaint_ice_due|complaint_ice_overdue|annual_review_due|account_locked|account_disabled_inactive|audit_chain_broken)$');
