-- Per-agency settings (issue 28; docs/agencies.md): the system-use notice shown above the
-- sign-in form of the agency's own sign-in page (`/login/{agency_code}`). None: the
-- installation's (`WSO_SYSTEM_USE_NOTICE`).
ALTER TABLE agencies ADD COLUMN system_use_notice text
    CHECK (system_use_notice IS NULL OR length(btrim(system_use_notice)) BETWEEN 1 AND 4000);
