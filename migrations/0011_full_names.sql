-- Staff are shown by name (issue 13): "Jane Doe (jdoe)" rather than a bare username. Optional:
-- service accounts and older accounts have none until an admin sets it.
ALTER TABLE users ADD COLUMN full_name text
    CHECK (full_name IS NULL OR length(btrim(full_name)) BETWEEN 1 AND 100);
