-- GET /api/cases?limit=50&after=<case_ref> (the officer's own office), as the API runs it.
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
-- 2. the listing on the access log (the API authorises and logs it before it reads)
BEGIN;
SELECT length AS a_length, head_hash AS a_head FROM chain_heads WHERE chain = 'access' FOR UPDATE \gset
INSERT INTO access_log (seq, at, actor, action, record_type, record_id, purpose, outcome, source,
                        details, prev_hash, hash)
VALUES (:a_length::bigint + 1, clock_timestamp()::text, :u_username, 'list_cases', 'field_office',
        :u_field_office, '', 'allowed', '127.0.0.1', '{"relation":"own_office"}', :a_head,
        encode(sha256(convert_to(:a_head || (:a_length::bigint + 1)::text, 'UTF8')), 'hex'));
UPDATE chain_heads
   SET length = :a_length::bigint + 1,
       head_hash = encode(sha256(convert_to(:a_head || (:a_length::bigint + 1)::text, 'UTF8')), 'hex')
 WHERE chain = 'access';
COMMIT;
-- 3. the page: one more row than asked for, to know whether there is a next page
BEGIN;
SELECT data FROM cases
 WHERE field_office = :u_field_office AND case_ref > 'DKT-' || lpad(:n::text, 8, '0')
 ORDER BY case_ref LIMIT 51;
COMMIT;
