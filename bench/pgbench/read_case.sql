-- GET /api/cases/{case_ref}, as the API runs it against the database: three transactions.
-- Each pgbench client is one officer with its own session row ('pgbench-<client_id>').
\set n random(1, :ncases)
-- 1. authenticate: the session and its user, read (the API writes the session's last use down
-- at most once a minute, about once per client in a run: left out here)
BEGIN;
SELECT token_hash, user_id, user_version, created_at, last_seen_at
  FROM sessions WHERE token_hash = 'pgbench-' || :client_id::text \gset
SELECT user_id, username, role, field_office, person_id, password_hash, totp_secret, disabled,
       version, locked_until, last_totp_step
  FROM users WHERE user_id = :user_id \gset u_
COMMIT;
-- 2. show_case: the case, its person, its timeline
BEGIN;
SELECT case_id, person_id, data FROM cases
 WHERE case_ref = 'DKT-' || lpad(:n::text, 8, '0') \gset c_
SELECT data FROM persons WHERE person_id = :c_person_id;
SELECT seq, stream_type, stream_id, stream_version, kind, occurred_on, recorded_at, actor,
       legal_basis, document_ref, data, prev_hash, hash
  FROM events WHERE stream_id = :c_case_id ORDER BY stream_version;
COMMIT;
-- 3. the read on the access log: its chain head locked, the entry, the new head
BEGIN;
SELECT length AS a_length, head_hash AS a_head FROM chain_heads WHERE chain = 'access' FOR UPDATE \gset
INSERT INTO access_log (seq, at, actor, action, record_type, record_id, purpose, outcome, source,
                        details, prev_hash, hash)
VALUES (:a_length::bigint + 1, clock_timestamp()::text, :u_username, 'read_case', 'case',
        :c_case_id, '', 'allowed', '127.0.0.1', '{"relation":"own_office"}', :a_head,
        encode(sha256(convert_to(:a_head || (:a_length::bigint + 1)::text, 'UTF8')), 'hex'));
UPDATE chain_heads
   SET length = :a_length::bigint + 1,
       head_hash = encode(sha256(convert_to(:a_head || (:a_length::bigint + 1)::text, 'UTF8')), 'hex')
 WHERE chain = 'access';
COMMIT;
