-- Per-agency settings (issue 28; docs/agencies.md): the name the agency's alert e-mails come
-- from ("Wake County Sheriff's Office" <MAIL_FROM's address>). None: MAIL_FROM as it is.
ALTER TABLE agencies ADD COLUMN mail_sender_name text
    CHECK (mail_sender_name IS NULL OR length(btrim(mail_sender_name)) BETWEEN 1 AND 100);
