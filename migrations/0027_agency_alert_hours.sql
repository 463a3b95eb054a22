-- Per-agency settings (issue 28; docs/agencies.md): the hours before a deadline at which the
-- agency's running clocks raise their alerts (`WSO_ALERT_HOURS_LEFT`'s, for its clocks only).
-- None: the installation's.
ALTER TABLE agencies ADD COLUMN alert_hours_left integer[]
    CHECK (alert_hours_left IS NULL
           OR (cardinality(alert_hours_left) BETWEEN 1 AND 10
               AND 1 <= ALL (alert_hours_left) AND 47 >= ALL (alert_hours_left)));
