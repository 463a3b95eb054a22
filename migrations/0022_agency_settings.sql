-- Per-agency settings (issue 28; docs/agencies.md): an agency may require an authenticator of
-- everyone who works for it or at its facilities (a liaison it granted one), on top of the
-- installation's floor (`WSO_MFA_REQUIRED`), never below it.
ALTER TABLE agencies ADD COLUMN mfa_required boolean NOT NULL DEFAULT false;
