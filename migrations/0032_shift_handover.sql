-- The shift handover (issue 31): each facility's shift start times, local (07:00 and 19:00 unless
-- set: `wso-tracker facility shifts CODE 07:00,19:00`). A handover itself is an audit entry
-- (`shift_handed_over`: who handed over, who received, the period), not a table of its own.
ALTER TABLE facilities ADD COLUMN shift_starts time[] NOT NULL DEFAULT ARRAY['07:00'::time, '19:00'::time]
    CHECK (cardinality(shift_starts) BETWEEN 1 AND 6);
