-- The chain's head only moves forward, one entry at a time (decision 0016): even the schema's
-- owner cannot set it back or skip it ahead without disabling this trigger, which only the
-- owner or a superuser can, and which `audit verify` against a head kept elsewhere exposes.
CREATE FUNCTION audit_head_forward_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seq <> OLD.seq + 1 THEN
        RAISE EXCEPTION 'audit_head moves forward one entry at a time: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER audit_head_forward
    BEFORE UPDATE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only();
