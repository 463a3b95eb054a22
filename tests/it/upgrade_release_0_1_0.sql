-- Rows in every table of release 0.1.0's schema (tag v0.1.0: migrations 0001..0028), as that
-- release wrote them, around a time `@now`; filled in by tests/it/upgrade.rs, which puts in
-- `@now` and `@password` (an argon2id hash) before it runs this. `pg_temp.ago` is a time before
-- `@now`; `u`, `f`, `b` and `a` a user's, facility's, booking's and agency's id. The database's
-- triggers do what 0.1.0's did: chain the audit entries, enqueue the webhook deliveries, resolve
-- the alerts of closed cases.

CREATE FUNCTION pg_temp.ago(i interval) RETURNS timestamptz LANGUAGE sql AS $$ SELECT '@now'::timestamptz - i $$;
CREATE FUNCTION pg_temp.u(n text) RETURNS bigint LANGUAGE sql AS $$ SELECT id FROM users WHERE username = n $$;
CREATE FUNCTION pg_temp.f(c text) RETURNS bigint LANGUAGE sql AS $$ SELECT id FROM facilities WHERE code = c $$;
CREATE FUNCTION pg_temp.b(n text) RETURNS bigint LANGUAGE sql AS $$ SELECT id FROM bookings WHERE booking_number = n $$;
CREATE FUNCTION pg_temp.a(c text) RETURNS bigint LANGUAGE sql AS $$ SELECT id FROM agencies WHERE code = c $$;

UPDATE agencies SET state = 'NC', timezone = 'America/New_York', record_name = 'Rockingham County Sheriff' WHERE code = 'DEFAULT';
INSERT INTO agencies (code, name, state, timezone, created_at, mfa_required, record_name, mail_sender_name, alert_hours_left, system_use_notice)
VALUES ('WAKE-SO', 'Wake County Sheriff''s Office', 'NC', 'America/New_York', pg_temp.ago('400 days'), true,
        'Wake County Sheriff', 'Wake County Sheriff''s Office', '{8,2}', 'Authorized use only: Wake County.');
INSERT INTO facilities (code, name, timezone, igsa, created_at, contact, agreement_start_on, igsa_daily_rate_cents, public_enabled, public_changed_at, agency_id)
VALUES ('RCDC', 'Rockingham County Detention Center', 'America/New_York', false, pg_temp.ago('400 days'), 'Capt. Hale, 336-555-0100',
        pg_temp.ago('390 days')::date, NULL, true, pg_temp.ago('100 days'), pg_temp.a('DEFAULT')),
       ('WAKE', 'Wake County Detention Center', 'America/New_York', true, pg_temp.ago('400 days'), NULL, NULL, 9500, false, NULL, pg_temp.a('WAKE-SO'));

INSERT INTO users (username, role, agency_id, operator, full_name, email, password_hash, created_at, last_login_at)
SELECT u, r, pg_temp.a(ag), u IN ('boss', 'host'), initcap(u) || ' Example', u || '@county.example.org', '@password',
       pg_temp.ago('300 days'), pg_temp.ago('1 day')
FROM (VALUES ('boss', 'admin', 'DEFAULT'), ('wso1', 'officer', 'DEFAULT'), ('sgt', 'supervisor', 'DEFAULT'), ('ice', 'ice_liaison', NULL),
             ('host', 'operator', NULL), ('watch', 'oversight', NULL), ('wakewso', 'officer', 'WAKE-SO'),
             ('rookie', 'officer', 'DEFAULT'), ('gone', 'officer', 'DEFAULT')) v(u, r, ag);
INSERT INTO users (username, role, agency_id, api_only, password_hash, created_at, last_token_use_at)
VALUES ('feed', 'officer', pg_temp.a('DEFAULT'), true, NULL, pg_temp.ago('200 days'), pg_temp.ago('1 hour'));
UPDATE users SET failed_logins = 5, first_failure_at = pg_temp.ago('20 minutes'), locked_at = pg_temp.ago('15 minutes'),
       locked_until = pg_temp.ago('-15 minutes') WHERE username = 'rookie';
UPDATE users SET disabled_at = pg_temp.ago('2 days'), must_change_password = true, temporary_password_until = pg_temp.ago('-1 day')
 WHERE username = 'gone';
INSERT INTO user_facilities (user_id, facility_id)
SELECT pg_temp.u(u), pg_temp.f(f) FROM (VALUES ('wso1', 'RCDC'), ('sgt', 'RCDC'), ('rookie', 'RCDC'), ('gone', 'RCDC'), ('feed', 'RCDC'),
                                              ('ice', 'RCDC'), ('ice', 'WAKE'), ('wakewso', 'WAKE')) v(u, f);
INSERT INTO oversight_grants (user_id, agency_id, granted_at) SELECT pg_temp.u('watch'), id, pg_temp.ago('90 days') FROM agencies;
INSERT INTO api_tokens (user_id, token_hash, created_at, expires_at, revoked_at, last_used_at)
VALUES (pg_temp.u('feed'), sha256('feed token'), pg_temp.ago('30 days'), pg_temp.ago('-60 days'), NULL, pg_temp.ago('1 hour')),
       (pg_temp.u('boss'), sha256('old token'), pg_temp.ago('200 days'), pg_temp.ago('110 days'), pg_temp.ago('150 days'), NULL);
INSERT INTO recovery_codes (user_id, code_hash, created_at, used_at)
VALUES (pg_temp.u('wso1'), sha256('wso1 code 1'), pg_temp.ago('200 days'), NULL),
       (pg_temp.u('wso1'), sha256('wso1 code 2'), pg_temp.ago('200 days'), pg_temp.ago('50 days'));
INSERT INTO user_sessions (id, user_id, started_at, last_seen_at, ip, user_agent, ended_at, ended_reason)
VALUES (encode(sha256('session 1'), 'hex'), pg_temp.u('wso1'), pg_temp.ago('1 day'), pg_temp.ago('23 hours'), '10.0.0.5', 'Firefox/140.0', NULL, NULL),
       (encode(sha256('session 2'), 'hex'), pg_temp.u('sgt'), pg_temp.ago('2 days'), pg_temp.ago('2 days'), '10.0.0.6', 'Chrome/139.0',
        pg_temp.ago('2 days'), 'signed_out');
INSERT INTO login_failures (ip, at) VALUES ('198.51.100.23', pg_temp.ago('10 minutes'));
INSERT INTO interpreters (facility_id, name, languages, contact, created_by, created_at)
VALUES (pg_temp.f('RCDC'), 'Ana Ruiz', 'Spanish, Portuguese', '336-555-0199', pg_temp.u('sgt'), pg_temp.ago('200 days'));
INSERT INTO webhook_endpoints (facility_id, url, events, secret, created_by, created_at, deleted_at)
VALUES (pg_temp.f('RCDC'), 'https://hooks.county.example.org/wso', '{booking.created,document.recorded,warrant.served,custody.alert,
        custody.transferred,custody.released,citizenship_claim.recorded,citizenship_claim.reported}',
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', pg_temp.u('boss'), pg_temp.ago('250 days'), NULL),
       (pg_temp.f('WAKE'), 'https://old.wake.example.org/hook', '{booking.created}', 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD', NULL,
        pg_temp.ago('300 days'), pg_temp.ago('200 days'));

-- The cases: UP-1 in custody with a detainer; UP-2 past its point of release awaiting service;
-- UP-3 on a WSO hold (the running clock); UP-4 held under WAKE's IGSA; UP-5 transferred in time;
-- UP-6 transferred late; UP-7 released when the clock ran out; UP-8 released, its warrant
-- withdrawn; UP-9 imported from the jail system (no creator).
INSERT INTO bookings (facility_id, booking_number, last_name, first_name, date_of_birth, booked_at, created_at, created_by)
SELECT pg_temp.f(f), n, l, g, '1988-02-14', pg_temp.ago(at::interval), pg_temp.ago(at::interval), pg_temp.u(who)
FROM (VALUES ('RCDC', 'UP-1', 'Alvarez', 'Maria', '2 days', 'wso1'), ('RCDC', 'UP-2', 'Bui', 'Thanh', '3 days', 'wso1'),
             ('RCDC', 'UP-3', 'Okafor', 'Chidi', '3 days', 'wso1'), ('WAKE', 'UP-4', 'Dubois', 'Luc', '5 days', 'wakewso'),
             ('RCDC', 'UP-5', 'Estrada', 'Rosa', '10 days', 'wso1'), ('RCDC', 'UP-6', 'Farah', 'Amin', '20 days', 'wso1'),
             ('RCDC', 'UP-7', 'Garcia', 'Jose', '30 days', 'wso1'), ('RCDC', 'UP-8', 'Haddad', 'Omar', '6 days', 'wso1'),
             ('WAKE', 'UP-9', 'Ivanova', 'Olga', '1 day', NULL)) v(f, n, l, g, at, who);
INSERT INTO charges (booking_id, position, description, category)
SELECT id, 0, 'Driving while impaired', 'dwi' FROM bookings
UNION ALL SELECT pg_temp.b('UP-3'), 1, 'Driving with a revoked licence', 'traffic';
INSERT INTO ice_documents (booking_id, kind, number, a_number, issued_at, received_at, recorded_by, recorded_at, withdrawn_at, withdrawn_by)
SELECT id, CASE booking_number WHEN 'UP-1' THEN 'I-247A' ELSE 'I-200' END, 'W-' || booking_number, '20155501' || right(booking_number, 1),
       booked_at + interval '1 hour', booked_at + interval '2 hours', coalesce(created_by, pg_temp.u('wakewso')), booked_at + interval '2 hours',
       CASE booking_number WHEN 'UP-8' THEN booked_at + interval '1 day' END, CASE booking_number WHEN 'UP-8' THEN 'SDDO K. Lane, ERO' END
FROM bookings WHERE booking_number <> 'UP-9';
UPDATE bookings b SET release_point_at = pg_temp.ago(v.at::interval), release_point_reason = v.why
FROM (VALUES ('UP-2', '5 hours', 'bond_posted'), ('UP-3', '12 hours', 'charges_dismissed'), ('UP-4', '73 hours', 'bond_posted'),
             ('UP-5', '8 days 1 hour', 'sentence_complete'), ('UP-6', '15 days 1 hour', 'bond_posted'),
             ('UP-7', '25 days 1 hour', 'other'), ('UP-8', '4 days', 'charges_dismissed')) v(n, at, why)
WHERE b.booking_number = v.n;
UPDATE bookings b SET status = 'wso_hold', served_at = pg_temp.ago(v.at::interval), served_document_id = d.id, served_by = b.created_by,
       custody_deadline = pg_temp.ago(v.at::interval) + interval '48 hours'
FROM (VALUES ('UP-3', '10 hours'), ('UP-4', '72 hours'), ('UP-5', '8 days'), ('UP-6', '15 days'), ('UP-7', '25 days')) v(n, at), ice_documents d
WHERE b.booking_number = v.n AND d.booking_id = b.id;
UPDATE bookings SET served_interpreter_id = (SELECT id FROM interpreters) WHERE booking_number = 'UP-3';
UPDATE bookings SET status = 'igsa_hold', igsa_at = pg_temp.ago('2 days') WHERE booking_number = 'UP-4';
UPDATE bookings SET status = 'transferred', closed_at = served_at + interval '24 hours', receiving_officer = 'DO R. Diaz, ERO'
 WHERE booking_number = 'UP-5';
UPDATE bookings SET status = 'transferred', closed_at = custody_deadline + interval '2 hours', receiving_officer = 'DO R. Diaz, ERO',
       late_reason = 'The ICE van was held up by snow', over_detained_seconds = 7200 WHERE booking_number = 'UP-6';
UPDATE bookings SET status = 'released', closed_at = custody_deadline + interval '30 minutes', release_reason = 'clock_expired',
       release_note = 'Not picked up', over_detained_seconds = 1800 WHERE booking_number = 'UP-7';
UPDATE bookings SET status = 'released', closed_at = release_point_at + interval '2 hours', release_reason = 'warrant_withdrawn',
       release_note = 'ICE withdrew the warrant' WHERE booking_number = 'UP-8';
INSERT INTO ice_notifications (booking_id, kind, at, method, contact, recorded_by, recorded_at, interpreter_id)
VALUES (pg_temp.b('UP-1'), 'in_custody', pg_temp.ago('40 hours'), 'phone', 'ERO duty officer', pg_temp.u('wso1'), pg_temp.ago('40 hours'), NULL),
       (pg_temp.b('UP-2'), 'release_soon', pg_temp.ago('6 hours'), 'email', 'ero@ice.example.gov', pg_temp.u('wso1'), pg_temp.ago('6 hours'), NULL),
       (pg_temp.b('UP-3'), 'post_service', pg_temp.ago('590 minutes'), 'phone', 'ERO duty officer', pg_temp.u('wso1'), pg_temp.ago('590 minutes'),
        (SELECT id FROM interpreters));
INSERT INTO citizenship_claims (booking_id, claimed_at, how, document, interpreter_id, recorded_by, recorded_at, report_due_at,
                                reported_at, report_method, report_contact, report_response, reported_by)
VALUES (pg_temp.b('UP-3'), pg_temp.ago('9 hours'), 'Said so at service', 'Birth certificate (copy)', (SELECT id FROM interpreters),
        pg_temp.u('wso1'), pg_temp.ago('9 hours'), pg_temp.ago('8 hours'), pg_temp.ago('520 minutes'), 'phone', 'ERO duty officer',
        'ICE will review', pg_temp.u('sgt')),
       (pg_temp.b('UP-2'), pg_temp.ago('3 hours'), 'Told the booking officer', NULL, NULL, pg_temp.u('wso1'), pg_temp.ago('3 hours'),
        pg_temp.ago('2 hours'), NULL, NULL, NULL, NULL, NULL);

-- The WSO roster and the agreement's other records.
INSERT INTO wso_certifications (user_id, nominated_on, background_cleared_on, trained_on, certified_on, expires_on, revoked_at,
                                revoked_reason, recorded_by, recorded_at)
SELECT pg_temp.u(u), pg_temp.ago('330 days')::date, pg_temp.ago('320 days')::date, pg_temp.ago('310 days')::date,
       pg_temp.ago('300 days')::date, pg_temp.ago('-400 days')::date, rev, CASE WHEN rev IS NOT NULL THEN 'Failed the refresher' END,
       pg_temp.u('boss'), pg_temp.ago('300 days')
FROM (VALUES ('wso1', NULL), ('sgt', NULL), ('wakewso', NULL), ('rookie', pg_temp.ago('30 days'))) v(u, rev);
INSERT INTO wso_exams (user_id, taken_on, score, recorded_by, recorded_at)
VALUES (pg_temp.u('wso1'), pg_temp.ago('305 days')::date, 92, pg_temp.u('sgt'), pg_temp.ago('305 days'));
INSERT INTO wso_credentials (user_id, form_70_006_number, issued_on, returned_on, recorded_by, recorded_at)
VALUES (pg_temp.u('wso1'), '70-006-0412', pg_temp.ago('290 days')::date, NULL, pg_temp.u('sgt'), pg_temp.ago('290 days')),
       (pg_temp.u('gone'), '70-006-0107', pg_temp.ago('290 days')::date, pg_temp.ago('2 days')::date, pg_temp.u('sgt'), pg_temp.ago('2 days'));
INSERT INTO wso_withdrawals (user_id, received_on, effective_on, recorded_by, recorded_at)
VALUES (pg_temp.u('gone'), pg_temp.ago('10 days')::date, pg_temp.ago('3 days')::date, pg_temp.u('sgt'), pg_temp.ago('10 days'));
INSERT INTO wso_departures (user_id, given_on, departs_on, recorded_by, recorded_at)
VALUES (pg_temp.u('gone'), pg_temp.ago('10 days')::date, pg_temp.ago('2 days')::date, pg_temp.u('sgt'), pg_temp.ago('10 days'));
INSERT INTO complaints (facility_id, received_at, complainant, officers, summary, received_by, recorded_at, ice_due_at, ice_notified_at,
                        ice_method, ice_contact, outcome_at, outcome_summary, outcome_reported_to_ice_at)
VALUES (pg_temp.f('RCDC'), pg_temp.ago('20 days'), 'A detainee''s sister', '{wso1}', 'Not told why he was held', pg_temp.u('sgt'),
        pg_temp.ago('20 days'), pg_temp.ago('18 days'), pg_temp.ago('19 days'), 'email', 'ero@ice.example.gov', pg_temp.ago('10 days'),
        'The warrant was explained; no misconduct', pg_temp.ago('9 days')),
       (pg_temp.f('RCDC'), pg_temp.ago('1 day'), 'Anonymous', '{}', 'Cold cells', pg_temp.u('sgt'), pg_temp.ago('1 day'),
        pg_temp.ago('-1 day'), NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO disclosures (facility_id, what, recipient, requested_on, clearance_requested_on, cleared_on, released_on, recorded_by, recorded_at)
VALUES (pg_temp.f('RCDC'), 'Monthly count of WSO services', 'The News & Record', pg_temp.ago('60 days')::date, pg_temp.ago('59 days')::date,
        pg_temp.ago('50 days')::date, pg_temp.ago('49 days')::date, pg_temp.u('boss'), pg_temp.ago('49 days'));
INSERT INTO annual_reviews (facility_id, held_on, attendees, notes, recorded_by, recorded_at)
VALUES (pg_temp.f('RCDC'), pg_temp.ago('100 days')::date, 'Sheriff; ICE ERO', 'Agreement renewed', pg_temp.u('boss'), pg_temp.ago('100 days'));
INSERT INTO displays (facility_id, name, token_hash, created_by, created_at, revoked_at, last_seen_at)
VALUES (pg_temp.f('RCDC'), 'Control room', sha256('display token'), pg_temp.u('boss'), pg_temp.ago('90 days'), NULL, pg_temp.ago('1 minute')),
       (pg_temp.f('RCDC'), 'Old lobby screen', sha256('old display'), pg_temp.u('boss'), pg_temp.ago('300 days'), pg_temp.ago('100 days'), NULL);
INSERT INTO display_addresses (display_id, address, first_seen_at) SELECT id, '10.0.0.40', created_at FROM displays;

-- Alerts (the cases', a complaint's, an account's), their e-mails and acknowledgements.
INSERT INTO alerts (dedupe_key, kind, booking_id, facility_id, raised_at, title, body)
SELECT 'booking:' || b.id || ':' || v.kind, v.kind, b.id, b.facility_id, pg_temp.ago(v.at::interval),
       b.booking_number || ': ' || replace(v.kind, '_', ' '), 'Booking ' || b.booking_number || ', ' || b.last_name
FROM (VALUES ('UP-3', 'deadline_at_service', '10 hours'), ('UP-3', 'post_service_notice', '10 hours'),
             ('UP-1', 'ice_document_recorded', '46 hours'), ('UP-4', 'deadline_at_service', '72 hours'),
             ('UP-7', 'deadline_passed', '23 days'), ('UP-2', 'citizenship_claim_report_overdue', '2 hours')) v(n, kind, at)
JOIN bookings b ON b.booking_number = v.n;
INSERT INTO alerts (dedupe_key, kind, complaint_id, facility_id, agency_id, raised_at, title, body)
SELECT 'complaint:' || id || ':complaint_ice_due', 'complaint_ice_due', id, facility_id, NULL, received_at, 'Complaint: tell ICE', summary
FROM complaints WHERE complainant = 'Anonymous'
UNION ALL SELECT 'user:' || pg_temp.u('rookie') || ':account_locked', 'account_locked', NULL, NULL, pg_temp.a('DEFAULT'),
       pg_temp.ago('15 minutes'), 'Account rookie locked', 'After 5 failed sign-ins';
INSERT INTO alert_acks (alert_id, user_id, at)
SELECT id, pg_temp.u(CASE kind WHEN 'deadline_at_service' THEN 'sgt' ELSE 'wso1' END), raised_at + interval '5 minutes' FROM alerts
WHERE booking_id IN (pg_temp.b('UP-3'), pg_temp.b('UP-1')) AND kind IN ('deadline_at_service', 'ice_document_recorded');
INSERT INTO outbox (alert_id, message_id, recipients, subject, body, created_at, next_attempt_at, attempts, delivered_at)
SELECT id, '<alert-' || id || '@wso.county.example.org>', '{sgt@county.example.org}', title, body, raised_at, raised_at, 1,
       raised_at + interval '3 seconds' FROM alerts;
INSERT INTO outbox_attempts (outbox_id, at, ok, error)
SELECT id, delivered_at, true, NULL FROM outbox
UNION ALL SELECT min(id), min(created_at), false, 'connection refused' FROM outbox;

-- The integration: a saved API answer, an import awaiting confirmation, the webhooks' deliveries
-- (enqueued by the triggers above) delivered, those of alerts given up.
INSERT INTO idempotency_keys (token_hash, key, request_hash, created_at, claim_id, heartbeat_at, status, content_type, body)
VALUES (sha256('feed token'), 'jms-0001', sha256('POST /api/v1/bookings'), pg_temp.ago('1 hour'), gen_random_uuid(),
        pg_temp.ago('1 hour'), 201, 'application/json', convert_to('{"id": 1}', 'UTF8'));
INSERT INTO import_drafts (user_id, facility_id, format, only_immigration_hold, bookings, created_at, expires_at)
VALUES (pg_temp.u('wakewso'), pg_temp.f('WAKE'), 'csv', true, '[{"booking_number": "UP-10", "last_name": "Jones", "first_name": "Ann"}]',
        pg_temp.ago('10 minutes'), pg_temp.ago('-50 minutes'));
UPDATE webhook_deliveries SET first_attempt_at = event_at, last_attempt_at = event_at, attempts = 1,
       last_status = CASE event_type WHEN 'custody.alert' THEN 500 ELSE 204 END,
       delivered_at = CASE WHEN event_type <> 'custody.alert' THEN event_at END,
       failed_at = CASE WHEN event_type = 'custody.alert' THEN event_at + interval '1 hour' END;

-- The audit log: the installation's chain (the command line, the operator), DEFAULT's and
-- WAKE-SO's (their people, their cases), chained by the triggers.
INSERT INTO audit_log (at, entered_at, actor_id, actor, action, ip, detail, booking_id)
SELECT pg_temp.ago(at::interval), pg_temp.ago(at::interval), pg_temp.u(who), who, action, ip, detail, pg_temp.b(n)
FROM (VALUES
  ('400 days', 'host', 'agency_created', NULL, '{"code": "WAKE-SO"}'::jsonb, NULL),
  ('400 days', NULL, 'facility_created', NULL, '{"code": "RCDC", "timezone": "America/New_York"}', NULL),
  ('300 days', NULL, 'user_created', NULL, '{"username": "wso1", "role": "officer"}', NULL),
  ('3 days', 'wso1', 'booking_created', '10.0.0.5', '{"booking_number": "UP-3"}', 'UP-3'),
  ('71 hours', 'wso1', 'document_added', '10.0.0.5', '{"kind": "I-200", "number": "W-UP-3", "a_number": "201555013"}', 'UP-3'),
  ('12 hours', 'wso1', 'release_point_recorded', '10.0.0.5', '{"reason": "charges_dismissed"}', 'UP-3'),
  ('10 hours', 'wso1', 'warrant_served', '10.0.0.5',
   (SELECT jsonb_build_object('document_id', served_document_id, 'kind', 'I-200', 'number', 'W-UP-3', 'custody_deadline', custody_deadline,
                              'interpreter', 'Ana Ruiz (Spanish, Portuguese)') FROM bookings WHERE booking_number = 'UP-3'), 'UP-3'),
  ('590 minutes', 'wso1', 'ice_notified', '10.0.0.5', '{"kind": "post_service", "method": "phone"}', 'UP-3'),
  ('9 hours', 'wso1', 'citizenship_claim_recorded', '10.0.0.5', '{"how": "Said so at service"}', 'UP-3'),
  ('520 minutes', 'sgt', 'citizenship_claim_reported', '10.0.0.6', '{"method": "phone"}', 'UP-3'),
  ('7 days', 'wso1', 'transferred', '10.0.0.5', '{"receiving_officer": "DO R. Diaz, ERO", "over_detained_seconds": 0}', 'UP-5'),
  ('310 hours', 'sgt', 'transferred', '10.0.0.6', '{"late_reason": "The ICE van was held up by snow", "over_detained_seconds": 7200}', 'UP-6'),
  ('551 hours 30 minutes', 'sgt', 'released', '10.0.0.6', '{"reason": "clock_expired", "over_detained_seconds": 1800}', 'UP-7'),
  ('72 hours', 'wakewso', 'warrant_served', '10.1.0.5', '{"kind": "I-200", "number": "W-UP-4"}', 'UP-4'),
  ('2 days', 'wakewso', 'igsa_hold_started', '10.1.0.5', '{}', 'UP-4'),
  ('1 day', 'import', 'booking_created', NULL, '{"booking_number": "UP-9", "source": "csv"}', 'UP-9'),
  ('1 day', 'wso1', 'login', '10.0.0.5', '{"mfa": true}', NULL),
  ('15 minutes', 'rookie', 'login_failed', '198.51.100.23', '{"reason": "wrong_password"}', NULL),
  ('5 minutes', 'boss', 'record_viewed', '10.0.0.7', '{}', 'UP-3')
) v(at, who, action, ip, detail, n);
