-- POST /api/cases/{case_ref}/events/hearing_held|hearing_scheduled, as the API runs it: each
-- client writes only to its own cases (bench_own), half the events scheduling a hearing.
\set k random(0, :own_cases - 1)
\set scheduled random(0, 1)
\set key random(1, 9000000000000000000)
-- 1. authenticate: the session and its user, read (the API writes the session's last use down
-- at most once a minute, about once per client in a run: left out here)
BEGIN;
SELECT token_hash, user_id, user_version, created_at, last_seen_at
  FROM sessions WHERE token_hash = 'pgbench-' || :client_id::text \gset
SELECT user_id, username, role, field_office, person_id, password_hash, totp_secret, disabled,
       version, locked_until, last_totp_step
  FROM users WHERE user_id = :user_id \gset u_
COMMIT;
-- 2. get_case: the case, to decide the access before the command (the client knows its
-- case_ref; here it comes from bench_own inside the same query: one more index probe)
BEGIN;
SELECT case_id, case_ref, field_office, version, data FROM cases
 WHERE case_ref = (SELECT case_ref FROM bench_own WHERE client_id = :client_id AND k = :k) \gset
COMMIT;
-- 3. record_event: the event chain's head locked, the idempotency key looked up, the case read
-- again under the lock, the chained event, the projection (version-checked), its bars and
-- deadlines rewritten, the key remembered, the access entry chained on its own head, both heads
BEGIN;
SELECT length, head_hash FROM chain_heads WHERE chain = 'events' FOR UPDATE \gset
SELECT idempotency_key, request_hash, result, recorded_at FROM commands
 WHERE idempotency_key = 'pgbench-' || :key::text;
SELECT data FROM cases WHERE case_ref = :case_ref;
INSERT INTO events (seq, stream_type, stream_id, stream_version, kind, occurred_on, recorded_at,
                    actor, legal_basis, document_ref, data, prev_hash, hash)
VALUES (:length::bigint + 1, 'case', :case_id, :version::int + 1,
        CASE WHEN :scheduled::int = 1 THEN 'hearing_scheduled' ELSE 'hearing_held' END,
        current_date::text, clock_timestamp()::text, :u_username,
        CASE WHEN :scheduled::int = 1
             THEN 'INA § 239(a)(1)(G); 8 CFR 1003.18 (scheduling of cases)'
             ELSE 'INA § 240(b); 8 CFR 1240.10 (hearing)' END,
        'BENCH-' || :key::text,
        CASE WHEN :scheduled::int = 1
             THEN '{"hearing_on":"' || (current_date + 30)::text || '"}' ELSE '{}' END,
        :head_hash,
        encode(sha256(convert_to(:head_hash || (:length::bigint + 1)::text || :case_id, 'UTF8')), 'hex'));
UPDATE cases SET field_office = :field_office, state = 'in_proceedings',
                 version = :version::int + 1, data = :data
 WHERE case_id = :case_id AND version = :version::int;
DELETE FROM case_bars WHERE case_id = :case_id;
DELETE FROM case_deadlines WHERE case_id = :case_id;
\if :scheduled
INSERT INTO case_deadlines (case_id, kind, due_on) VALUES (:case_id, 'hearing', current_date + 30);
\endif
INSERT INTO commands (idempotency_key, request_hash, result, recorded_at)
VALUES ('pgbench-' || :key::text, encode(sha256(convert_to(:key::text, 'UTF8')), 'hex'),
        '{"case_ref": "' || :case_ref || '", "event_seqs": [' || (:length::bigint + 1)::text
          || '], "state": "in_proceedings", "version": ' || (:version::int + 1)::text || '}',
        clock_timestamp()::text);
SELECT length AS a_length, head_hash AS a_head FROM chain_heads WHERE chain = 'access' FOR UPDATE \gset
INSERT INTO access_log (seq, at, actor, action, record_type, record_id, purpose, outcome, source,
                        details, prev_hash, hash)
VALUES (:a_length::bigint + 1, clock_timestamp()::text, :u_username, 'record_event', 'case',
        :case_id, '', 'allowed', '127.0.0.1',
        '{"event":"hearing_held","relation":"own_office"}', :a_head,
        encode(sha256(convert_to(:a_head || (:a_length::bigint + 1)::text, 'UTF8')), 'hex'));
UPDATE chain_heads
   SET length = :a_length::bigint + 1,
       head_hash = encode(sha256(convert_to(:a_head || (:a_length::bigint + 1)::text, 'UTF8')), 'hex')
 WHERE chain = 'access';
UPDATE chain_heads
   SET length = :length::bigint + 1,
       head_hash = encode(sha256(convert_to(:head_hash || (:length::bigint + 1)::text || :case_id, 'UTF8')), 'hex')
 WHERE chain = 'events';
COMMIT;
