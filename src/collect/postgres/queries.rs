//! The console's SQL, chosen from `server_version_num` (PostgreSQL 12–17).
//!
//! # One round trip for activity + locks
//! One statement returns one JSON document: connection counts, the non-idle sessions
//! (plus any idle session that blocks someone), the lock each waiting session waits
//! for, the modes its blockers hold on that object, and prepared transactions when
//! one of them blocks. `pg_blocking_pids()` is called only for sessions whose
//! `wait_event_type = 'Lock'` (a `CASE` inside the one scan of `pg_stat_activity`),
//! and `pg_locks` is read once, and only when someone waits (a pseudo-constant
//! filter the planner turns into a one-time gate).
//!
//! Why `pg_blocking_pids()` rather than the runbook's `pg_locks` self-join: the
//! self-join matches waiter and holder on the same lock tag, so it ignores
//! lock-mode conflicts (it reports every granted holder, compatible or not) and
//! misses wait-queue ("soft") blocking, where a waiter is stuck behind another
//! waiter whose requested mode conflicts. `pg_blocking_pids()` reports both.
//!
//! Measured (`examples/pg_bench.rs`, docs/PERFORMANCE.md) on PostgreSQL 15, 500 sessions of
//! which 50 wait on row locks in 5 queues, server execution time p50 over 50 runs:
//! `pg_blocking_pids()` for the Lock waiters only 0.62 ms, finding 230
//! blocked/blocking pairs; the self-join 0.72 ms, finding 50 (it misses everyone
//! queued behind an earlier waiter); `pg_blocking_pids()` for every backend
//! 0.92 ms. Choice: `pg_blocking_pids()` for Lock waiters only, tree built
//! client-side. The whole statement below (activity, counts, waits, held modes,
//! settings, as JSON) takes 5.3 ms p50 on that load, in one round trip; the
//! collector then spends ~0.5 ms CPU decoding it and building the tree.

/// `extract(epoch …)` in whole microseconds: exact, and the same expression the
/// action executor compares `backend_start` with.
pub fn micros(col: &str) -> String {
    format!("(extract(epoch FROM {col}) * 1000000)::int8")
}

/// The single activity + locks statement for `server_version_num`.
pub fn activity_sql(version: i32) -> String {
    let leader = if version >= 130_000 {
        "leader_pid"
    } else {
        "NULL::int4"
    };
    let waitstart = if version >= 140_000 {
        micros("l.waitstart")
    } else {
        "NULL::int8".into()
    };
    let bs = micros("backend_start");
    let xs = micros("xact_start");
    let qs = micros("query_start");
    let sc = micros("state_change");
    let now = micros("statement_timestamp()");
    let prep = micros("prepared");
    format!(
        r#"WITH a AS MATERIALIZED (
  SELECT pid, {leader} AS leader_pid, usename AS "user", datname AS database,
         application_name AS application, host(client_addr) AS client_addr,
         client_hostname, client_port, backend_type, state, wait_event_type, wait_event,
         {bs} AS backend_start_us, {xs} AS xact_start_us, {qs} AS query_start_us,
         {sc} AS state_change_us, query,
         CASE WHEN wait_event_type = 'Lock' THEN pg_blocking_pids(pid) END AS blocked_by,
         (pid = pg_backend_pid() OR application_name = '{app}') AS own,
         -- another role's session without pg_read_all_stats: backend_type is hidden
         -- too; a database name tells a client backend from a background process
         (query = '<insufficient privilege>' AND backend_type IS NULL AND datname IS NOT NULL) AS hidden
  FROM pg_stat_activity
),
w AS (SELECT pid, blocked_by FROM a WHERE cardinality(blocked_by) > 0),
blockers AS (SELECT DISTINCT unnest(blocked_by) AS pid FROM w),
l AS MATERIALIZED (
  SELECT locktype, database, relation, page, tuple, virtualxid, transactionid, classid, objid,
         objsubid, pid, mode, granted, {waitstart} AS wait_start_us
  FROM pg_locks l WHERE (SELECT count(*) FROM w) > 0
),
wl AS (
  SELECT l.* FROM l WHERE NOT l.granted AND l.pid IN (SELECT pid FROM w)
)
SELECT json_build_object(
  'now_us', {now},
  'version', current_setting('server_version_num')::int4,
  'max_connections', current_setting('max_connections')::int8,
  'superuser_reserved', current_setting('superuser_reserved_connections')::int8,
  'pgss_version', (SELECT extversion FROM pg_extension WHERE extname = 'pg_stat_statements'),
  'pgss_schema', (SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_stat_statements'),
  'preload', (SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries'),
  'current_user', current_user,
  'read_all_stats', pg_has_role(current_user, 'pg_read_all_stats', 'USAGE'),
  'signal_backend', pg_has_role(current_user, 'pg_signal_backend', 'USAGE'),
  'superuser', (SELECT rolsuper FROM pg_roles WHERE rolname = current_user),
  'counts', (SELECT json_build_object(
      'used', count(*) FILTER (WHERE backend_type = 'client backend' OR hidden),
      'own', count(*) FILTER (WHERE backend_type = 'client backend' AND own),
      'active', count(*) FILTER (WHERE NOT own AND state = 'active'),
      'idle', count(*) FILTER (WHERE NOT own AND state = 'idle'),
      'idle_in_transaction', count(*) FILTER (WHERE NOT own AND state = 'idle in transaction'),
      'idle_in_transaction_aborted', count(*) FILTER (WHERE NOT own AND state = 'idle in transaction (aborted)'),
      'waiting', count(*) FILTER (WHERE NOT own AND wait_event_type = 'Lock'),
      'insufficient_privilege', count(*) FILTER (WHERE hidden))
    FROM a),
  'sessions', (SELECT coalesce(json_agg(a ORDER BY a.query_start_us NULLS LAST, a.pid), '[]')
    FROM a WHERE NOT own AND (
      (backend_type IN ('client backend', 'parallel worker') AND state IS DISTINCT FROM 'idle'
        AND query IS DISTINCT FROM '<insufficient privilege>')
      OR hidden
      OR pid IN (SELECT pid FROM blockers))),
  'waits', (SELECT coalesce(json_agg(json_build_object(
      'pid', wl.pid, 'locktype', wl.locktype, 'mode', wl.mode, 'wait_start_us', wl.wait_start_us,
      'object', CASE
        WHEN wl.relation IS NOT NULL THEN coalesce(
          (SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = wl.relation),
          'oid ' || wl.relation::text)
        WHEN wl.locktype = 'transactionid' THEN coalesce(
          (SELECT format('%I.%I row', n.nspname, c.relname) FROM l t JOIN pg_class c ON c.oid = t.relation
             JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE t.pid = wl.pid AND t.granted AND t.locktype = 'tuple' LIMIT 1),
          'xid ' || wl.transactionid::text)
        WHEN wl.locktype = 'virtualxid' THEN 'vxid ' || wl.virtualxid
        WHEN wl.locktype = 'advisory' THEN 'advisory ' || wl.classid::text || ':' || wl.objid::text
        ELSE wl.locktype END)), '[]') FROM wl),
  'held', (SELECT coalesce(json_agg(DISTINCT jsonb_build_object('holder', h.pid, 'mode', h.mode)), '[]')
    FROM wl JOIN l h ON h.granted AND h.pid <> wl.pid AND h.locktype = wl.locktype
      AND h.database IS NOT DISTINCT FROM wl.database AND h.relation IS NOT DISTINCT FROM wl.relation
      AND h.page IS NOT DISTINCT FROM wl.page AND h.tuple IS NOT DISTINCT FROM wl.tuple
      AND h.virtualxid IS NOT DISTINCT FROM wl.virtualxid
      AND h.transactionid IS NOT DISTINCT FROM wl.transactionid
      AND h.classid IS NOT DISTINCT FROM wl.classid AND h.objid IS NOT DISTINCT FROM wl.objid
      AND h.objsubid IS NOT DISTINCT FROM wl.objsubid),
  'prepared', (SELECT coalesce(json_agg(json_build_object('gid', gid, 'owner', owner,
      'database', database, 'transaction', transaction::text, 'prepared_us', {prep})), '[]')
    FROM pg_prepared_xacts WHERE EXISTS (SELECT 1 FROM w WHERE 0 = ANY (blocked_by)))
)::text"#,
        app = super::connect::APPLICATION_NAME,
    )
}

/// Top 10 statements by total time; column names by extension version (1.8 = PG 13
/// renamed `total_time`/`mean_time` to `total_exec_time`/`mean_exec_time`).
pub fn statements_sql(schema: &str, ext_version: &str) -> String {
    let (total, mean) = if ext_at_least(ext_version, 1, 8) {
        ("total_exec_time", "mean_exec_time")
    } else {
        ("total_time", "mean_time")
    };
    let schema = schema.replace('"', "\"\"");
    format!(
        r#"SELECT coalesce(json_agg(t), '[]')::text FROM (
  SELECT s.queryid::text AS queryid, s.userid::regrole::text AS "user", d.datname AS database,
         s.calls, s.{total}::float8 AS total_ms, s.{mean}::float8 AS mean_ms, s.rows, s.query
  FROM "{schema}".pg_stat_statements s LEFT JOIN pg_database d ON d.oid = s.dbid
  ORDER BY s.{total} DESC LIMIT 10) t"#
    )
}

/// `"1.10" >= (1, 8)`.
pub fn ext_at_least(v: &str, major: u32, minor: u32) -> bool {
    let mut parts = v.split('.').map(|p| p.trim().parse::<u32>().unwrap_or(0));
    let a = parts.next().unwrap_or(0);
    let b = parts.next().unwrap_or(0);
    (a, b) >= (major, minor)
}

/// The runbook-style `pg_locks` self-join, kept for the benchmark's comparison only.
pub const SELF_JOIN_SQL: &str = r#"SELECT blocked.pid AS blocked_pid, blocking.pid AS blocking_pid
FROM pg_catalog.pg_locks blocked
JOIN pg_catalog.pg_locks blocking
  ON blocking.locktype = blocked.locktype
 AND blocking.database IS NOT DISTINCT FROM blocked.database
 AND blocking.relation IS NOT DISTINCT FROM blocked.relation
 AND blocking.page IS NOT DISTINCT FROM blocked.page
 AND blocking.tuple IS NOT DISTINCT FROM blocked.tuple
 AND blocking.virtualxid IS NOT DISTINCT FROM blocked.virtualxid
 AND blocking.transactionid IS NOT DISTINCT FROM blocked.transactionid
 AND blocking.classid IS NOT DISTINCT FROM blocked.classid
 AND blocking.objid IS NOT DISTINCT FROM blocked.objid
 AND blocking.objsubid IS NOT DISTINCT FROM blocked.objsubid
 AND blocking.pid <> blocked.pid
WHERE NOT blocked.granted AND blocking.granted"#;

/// `pg_blocking_pids()` for every backend, the naive way (for the benchmark).
pub const BLOCKING_PIDS_ALL_SQL: &str =
    "SELECT pid, pg_blocking_pids(pid) FROM pg_stat_activity WHERE cardinality(pg_blocking_pids(pid)) > 0";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_dependent_columns() {
        assert!(activity_sql(150_000).contains("leader_pid AS leader_pid"));
        assert!(activity_sql(120_000).contains("NULL::int4 AS leader_pid"));
        assert!(activity_sql(140_000).contains("l.waitstart"));
        assert!(!activity_sql(130_000).contains("l.waitstart"));
        assert!(statements_sql("public", "1.10").contains("total_exec_time"));
        assert!(statements_sql("public", "1.7").contains("s.total_time"));
        assert!(ext_at_least("1.8", 1, 8) && !ext_at_least("1.6", 1, 8));
    }
}
