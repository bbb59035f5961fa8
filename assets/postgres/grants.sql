-- Least privilege for kitops-top on PostgreSQL (RDS included): a login role that
-- sees every session's query text, waits and locks (pg_monitor) and may cancel or
-- terminate other users' backends (pg_signal_backend; superusers' stay out of reach).
-- Watch-only: leave out the pg_signal_backend grant.
--   psql -v ON_ERROR_STOP=1 -f assets/postgres/grants.sql
--   ALTER ROLE kitops_top PASSWORD '…';   -- or IAM authentication on RDS
-- Re-running is safe. Checked by tests/integration/pg_grants.rs on a real server.
DO $$
BEGIN
  CREATE ROLE kitops_top LOGIN;
EXCEPTION WHEN duplicate_object THEN
  RAISE NOTICE 'role kitops_top exists; granting';
END
$$;
GRANT pg_monitor TO kitops_top;
GRANT pg_signal_backend TO kitops_top;
