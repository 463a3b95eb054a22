-- Per-agency settings (issue 28; docs/agencies.md): the agency's name on the records it prints
-- (the transfer and release records). None: the records name the facility only, as before.
ALTER TABLE agencies ADD COLUMN record_name text
    CHECK (record_name IS NULL OR length(btrim(record_name)) BETWEEN 1 AND 200);
