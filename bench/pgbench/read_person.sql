-- GET /api/persons/{person_id}, as the API runs it. The API's client already knows the person's
-- id; here it is found from a random case inside the person query (one more index probe).
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
-- 2. show_person: the person and where their cases are
BEGIN;
SELECT person_id AS p_id, data AS p_data FROM persons
 WHERE person_id = (SELECT person_id FROM cases WHERE case_ref = 'DKT-' || lpad(:n::text, 8, '0')) \gset
SELECT case_ref, field_office FROM cases WHERE person_id = :p_id ORDER BY case_ref;
COMMIT;
-- 3. the read on the access log
BEGIN;
SELECT length AS a_length, head_hash AS a_head FROM chain_heads WHERE chain = 'access' FOR UPDATE \gset
INSERT INTO access_log (seq, at, actor, action, record_type, record_id, purpose, outcome, source,
                        details, prev_hash, hash)
VALUES (:a_length::bigint + 1, clock_timestamp()::text, :u_username, 'read_person', 'person',
        :p_id, '', 'allowed', '127.0.0.1', '{"relation":"own_office"}', :a_head,
        encode(sha256(convert_to(:a_head || (:a_length::bigint + 1)::text, 'UTF8')), 'hex'));
UPDATE chain_heads
   SET length = :a_length::bigint + 1,
       head_hash = encode(sha256(convert_to(:a_head || (:a_length::bigint + 1)::text, 'UTF8')), 'hex')
 WHERE chain = 'access';
COMMIT;
