//! PostgreSQL keeps `application_name` to printable ASCII, but a quoted identifier holds
//! any character but NUL: a role, a database, a schema and a table named with the corpus
//! (63 bytes at most each — NAMEDATALEN — so one slice of it per name). The role holds
//! an ACCESS EXCLUSIVE lock on the table that another of its sessions waits for (the PG
//! locks pane's chain names the relation) and sleeps in the hostile database (the PG
//! activity pane's USER and DB). Everything is created with unique names and dropped
//! at the end, also when the console part fails.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use tokio_postgres::Client;

use crate::support::hostile;
use crate::support::hostile_exits::{assert_snapshot_escaped, copy_details_then_row, pause, Exits};
use crate::support::pg;
use crate::support::tmux::Tmux;

/// Role, database, schema and table: the corpus's four slices.
struct Names {
    role: String,
    database: String,
    schema: String,
    table: String,
}

impl Names {
    fn new() -> Names {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        pg::unique("hostile").hash(&mut h);
        let suffix = format!("_{:08x}", h.finish() as u32);
        let slices = hostile::name_slices(63, &suffix);
        let [role, database, schema, table] = <[String; 4]>::try_from(slices)
            .unwrap_or_else(|s| panic!("expected four 63-byte slices, got {s:?}"));
        Names {
            role,
            database,
            schema,
            table,
        }
    }

    /// The sleeping session's column alias: what the test filters PG activity on.
    fn sleeper(&self) -> String {
        let suffix = self.role.rsplit('_').next().unwrap_or_default();
        format!("hostile_sleeper_{suffix}")
    }

    fn relation(&self) -> String {
        format!("{}.{}", ident(&self.schema), ident(&self.table))
    }
}

/// A quoted identifier (the corpus holds no `"`, but double it anyway).
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

async fn connect(user: &str, dbname: &str) -> Arc<Client> {
    let mut cfg = tokio_postgres::Config::new();
    cfg.host("127.0.0.1")
        .port(5432)
        .user(user)
        .dbname(dbname)
        .application_name("hostile-names");
    let (client, conn) = cfg
        .connect(tokio_postgres::NoTls)
        .await
        .expect("a session under the hostile names");
    tokio::spawn(async move {
        let _ = conn.await;
    });
    // if the test dies, the server ends its sleeps with their connections
    client
        .batch_execute("SET client_connection_check_interval = '1s'")
        .await
        .expect("check interval");
    Arc::new(client)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_names_leave_the_process_only_escaped() {
    let names = Names::new();
    let admin = pg::session("hostile-names-admin").await;
    let role = ident(&names.role);
    admin
        .batch_execute(&format!(
            "CREATE ROLE {role} LOGIN; CREATE SCHEMA {schema}; CREATE TABLE {rel} (id int); \
             GRANT USAGE ON SCHEMA {schema} TO {role}; GRANT ALL ON TABLE {rel} TO {role}",
            schema = ident(&names.schema),
            rel = names.relation(),
        ))
        .await
        .expect("hostile role, schema and table");
    let created_db = admin
        .batch_execute(&format!("CREATE DATABASE {}", ident(&names.database)))
        .await;

    let result = match created_db {
        Ok(()) => run_console_against(&names).await,
        Err(e) => Err(format!("CREATE DATABASE: {e}")),
    };
    drop_everything(&admin, &names).await;
    if let Err(panic) = result {
        panic!("{panic}");
    }
}

/// The lock chain and the sleep, then the console driven and checked; `Err` carries a
/// failed check so the caller can drop what the test made first.
async fn run_console_against(names: &Names) -> Result<(), String> {
    let holder = connect(&names.role, pg::DB).await;
    holder
        .batch_execute(&format!(
            "BEGIN; LOCK TABLE {} IN ACCESS EXCLUSIVE MODE",
            names.relation()
        ))
        .await
        .map_err(|e| format!("LOCK TABLE: {e}"))?;
    let waiter = connect(&names.role, pg::DB).await;
    let count = format!("SELECT count(*) FROM {}", names.relation());
    tokio::spawn(async move { waiter.simple_query(&count).await.map(|_| ()) });
    let sleeper = connect(&names.role, &names.database).await;
    // a name of its own: other tests sleep on the shared server too
    let sleep = format!("SELECT pg_sleep(120) AS {}", names.sleeper());
    tokio::spawn(async move { sleeper.simple_query(&sleep).await.map(|_| ()) });

    let env = format!("KITOPS_PG_URL={}", pg::url_for("postgres"));
    let sleeper = names.sleeper();
    let checked = tokio::task::spawn_blocking(move || {
        let exits = drive_console(&env, &sleeper);
        // what was copied: a query naming the relation (from PG activity and PG locks)
        exits.assert_escaped(Some("HOSTILE<"));
        assert_snapshot_escaped(&env, &[], "HOSTILE<");
    })
    .await;
    drop(holder);
    checked.map_err(|e| match e.try_into_panic() {
        Ok(p) => p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "the console check panicked".into()),
        Err(e) => e.to_string(),
    })
}

/// PG activity (the sleeper's role and database, its details, `y`), PG locks (the chain
/// naming the relation, its details, `y`, the terminate dialog), then quit.
fn drive_console(env: &str, sleeper: &str) -> Exits {
    let t = Tmux::start_piped("hostile-pg-names", 200, 60, env, "");
    t.wait_for("PostgreSQL live", |s| s.contains("PG activity  ● live"));
    // the sleeper: the role and the database
    t.keys(&["3", "/"]);
    t.keys(&["-l", sleeper]);
    t.keys(&["Enter"]);
    t.wait_for("the session in the hostile database", |s| {
        s.contains("HOSTILE<t… HOSTILE<\\…")
    });
    t.keys(&["Enter"]);
    t.wait_for("its details name the role and the database", |s| {
        s.contains("HOSTILE<tag\\u{e0041}\\u{e0042}\\e]52;c;") && s.contains("HOSTILE<\\e[201~")
    });
    copy_details_then_row(&t);
    // this chain only: other tests make lock chains on the shared server too
    t.keys(&["4", "/"]);
    t.keys(&["-l", "HOSTILE<"]);
    t.keys(&["Enter"]);
    t.wait_for("the lock chain", |s| {
        s.contains("AccessExclusiveLo") && !s.contains("t top-sql")
    });
    t.keys(&["Enter"]);
    t.wait_for("the chain's details name the relation", |s| {
        s.contains("\\u{202e}gnp.exe\\u{2066}") && s.contains("漢字テスト")
    });
    t.keys(&["y"]);
    pause();
    t.keys(&["Escape"]);
    pause();
    t.keys(&["K"]);
    t.wait_for("the terminate dialog names the role", |s| {
        s.contains("Terminate") && s.contains("HOSTILE<tag\\u{e0041}")
    });
    t.keys(&["Escape"]);
    pause();
    Exits::after_quit(&t)
}

async fn drop_everything(admin: &Client, names: &Names) {
    let _ = admin
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 OR datname = $2",
            &[&names.role, &names.database],
        )
        .await;
    for sql in [
        format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            ident(&names.database)
        ),
        format!("DROP SCHEMA IF EXISTS {} CASCADE", ident(&names.schema)),
        format!("DROP ROLE IF EXISTS {}", ident(&names.role)),
    ] {
        if let Err(e) = admin.batch_execute(&sql).await {
            eprintln!("cleanup: {sql}: {e}");
        }
    }
}
