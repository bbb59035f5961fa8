//! Configured by PG* environment variables only (no URL), as libpq would be: here
//! through the server's Unix socket, where sslmode is ignored (as libpq does).
//! Its own binary: it sets process-wide environment variables.

use crate::support::pg;

use kitops_top::collect::postgres::PgCollector;
use kitops_top::collect::sources::pg_hint;
use kitops_top::collect::Collector;

#[tokio::test]
async fn pghost_socket_dir_pguser_pgdatabase() {
    let dir = "/var/run/postgresql";
    if !std::path::Path::new(dir).join(".s.PGSQL.5432").exists() {
        panic!("the test server's socket is expected in {dir}");
    }
    std::env::set_var("PGHOST", dir);
    std::env::set_var("PGPORT", "5432");
    std::env::set_var("PGUSER", "postgres");
    std::env::set_var("PGDATABASE", pg::DB);
    std::env::set_var("PGSSLMODE", "require");
    let mut settings = pg::settings();
    settings.url = None;
    assert_eq!(pg_hint(&settings), None, "PGHOST configures the source");
    let mut c = PgCollector::new(settings);
    let data = c.collect().await.expect("collects over the Unix socket");
    assert_eq!(data.current_user, "postgres");
    assert!(data.max_connections > 0);
}
