//! Opening and cancelling a dialog changes nothing anywhere (issue #12, item 9). Every
//! action key of every pane — enumerated from the pane table and the active keymap, so
//! a new action is walked by itself — is pressed on real targets: kube-sim's pods and
//! deployments, a PostgreSQL lock chain and a running query, a Redis server of the
//! test's own, a seeded moto. Its question is answered (each choice of a list in turn),
//! its confirmation dialog opened and the server-side dry run the dialog asks for run by
//! the real executor, then the dialog is cancelled. Afterwards kube-sim's request log
//! holds no request that could have changed an object and its objects are as they were,
//! moto's whole state is unchanged, Redis's policy is unchanged and every PostgreSQL
//! backend is alive and still in the same query.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kitops_top::act::Executor;
use kitops_top::app::action::{Action, KubeAction, Op, Outcome};
use kitops_top::app::modal::{DryRun, Modal};
use kitops_top::app::pane::{PaneSpec, PANES};
use kitops_top::app::{update, Command, Event, SourceUpdate, State};
use kitops_top::collect::aws::AwsCollector;
use kitops_top::collect::kube::KubeData;
use kitops_top::collect::postgres::PgCollector;
use kitops_top::collect::redis::RedisCollector;
use kitops_top::collect::{Collector, Snapshot};
use kitops_top::config::keymap::{Context, KeyAction};
use kitops_top::view::table::Target;

use crate::support::keys::{press, type_text};
use crate::support::kube::{fast_options, live, ready_pods, start, wait_for, Sim};
use crate::support::moto::{self, Moto};
use crate::support::redis::TestServer;
use crate::support::{pg, redis as rsupport};

/// What a walk of one action key on one pane opened.
#[derive(Debug, Default)]
struct Opened {
    confirm_dialogs: usize,
    logs_views: usize,
    /// The dry-run verdicts the dialogs showed (Kubernetes has one per dialog).
    dry_runs: Vec<String>,
}

/// Everything the world looked like, by source, in a form to compare.
#[derive(Debug, PartialEq)]
struct World {
    /// name → (uid, deletion timestamp) of every pod.
    pods: BTreeMap<String, (String, Option<String>)>,
    /// name → (generation, spec as JSON) of every deployment.
    deployments: BTreeMap<String, (Option<i64>, String)>,
    moto: String,
    redis_policy: String,
    /// pid → (backend_start, query_start, state) of the test's own backends.
    backends: BTreeMap<i32, String>,
}

/// The test's PostgreSQL sessions: a lock holder idle in its transaction, a session
/// blocked behind it, and a long query.
struct PgVictims {
    pids: Vec<i32>,
    _sessions: Vec<std::sync::Arc<tokio_postgres::Client>>,
    queries: Vec<tokio::task::JoinHandle<Result<(), tokio_postgres::Error>>>,
    app: String,
}

async fn pg_victims() -> PgVictims {
    let app = pg::unique("kt_dialogs");
    let table = pg::unique("kt_dialogs_t");
    let holder = pg::session(&app).await;
    holder
        .batch_execute(&format!(
            "CREATE TABLE {table} (id int PRIMARY KEY, v int); INSERT INTO {table} VALUES (1, 0)"
        ))
        .await
        .expect("the table");
    holder
        .batch_execute(&format!("BEGIN; UPDATE {table} SET v = v + 1 WHERE id = 1"))
        .await
        .expect("the holder locks row 1");
    let blocked = pg::session(&app).await;
    let sleeper = pg::session(&app).await;
    let mut pids = Vec::new();
    for s in [&holder, &blocked, &sleeper] {
        pids.push(pg::backend_pid(s).await);
    }
    let run = |s: &std::sync::Arc<tokio_postgres::Client>, sql: String| {
        let s = s.clone();
        tokio::spawn(async move { s.batch_execute(&sql).await })
    };
    let queries = vec![
        run(
            &blocked,
            format!("UPDATE {table} SET v = v + 1 WHERE id = 1"),
        ),
        run(&sleeper, "SELECT pg_sleep(120)".to_string()),
    ];
    PgVictims {
        pids,
        _sessions: vec![holder, blocked, sleeper],
        queries,
        app,
    }
}

async fn world(sim: &Sim, moto: &Moto, redis: &TestServer, victims: &PgVictims) -> World {
    let client = sim.client().await;
    let pods: kube::Api<Pod> = kube::Api::namespaced(client.clone(), "kitops");
    let pods = pods
        .list(&Default::default())
        .await
        .expect("list pods")
        .items
        .into_iter()
        .map(|p| {
            let m = p.metadata;
            (
                m.name.unwrap_or_default(),
                (
                    m.uid.unwrap_or_default(),
                    m.deletion_timestamp.map(|t| format!("{t:?}")),
                ),
            )
        })
        .collect();
    let deployments: kube::Api<Deployment> = kube::Api::namespaced(client, "kitops");
    let deployments = deployments
        .list(&Default::default())
        .await
        .expect("list deployments")
        .items
        .into_iter()
        .map(|d| {
            let spec = serde_json::to_string(&d.spec).unwrap_or_default();
            (
                d.metadata.name.unwrap_or_default(),
                (d.metadata.generation, spec),
            )
        })
        .collect();
    let port = moto.port;
    let moto = tokio::task::spawn_blocking(move || {
        moto::http(port, "GET", "/moto-api/data.json", &[], b"")
    })
    .await
    .expect("join")
    .expect("moto data.json")
    .1;
    let mut conn = redis.conn();
    let policy: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("maxmemory-policy")
        .query(&mut conn)
        .expect("CONFIG GET");
    let admin = pg::session(&pg::unique("kt_dialogs_check")).await;
    let rows = admin
        .query(
            "SELECT pid, backend_start::text || ' ' || coalesce(query_start::text, '') || ' ' || coalesce(state, '')
             FROM pg_stat_activity WHERE application_name = $1",
            &[&victims.app],
        )
        .await
        .expect("pg_stat_activity");
    let backends = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    World {
        pods,
        deployments,
        moto,
        redis_policy: policy.join(" "),
        backends,
    }
}

/// Rows worth trying first: the test's own PostgreSQL backends (the server also has
/// other tests' sessions), then every other row in its order.
fn candidate_rows(st: &State, spec: &PaneSpec, victims: &PgVictims) -> Vec<Option<String>> {
    let rows = &st.pane(spec.id).table.content.rows;
    let ours = |t: &Option<Target>| matches!(t, Some(Target::Backend { pid, .. }) if victims.pids.contains(pid));
    let mut keys: Vec<(bool, String)> = rows
        .iter()
        .map(|r| {
            (
                !ours(&r.action_target().map(|t| t.into_owned())),
                r.key.clone(),
            )
        })
        .collect();
    keys.sort_by_key(|(theirs, _)| *theirs);
    let keys: Vec<Option<String>> = keys.into_iter().map(|(_, k)| Some(k)).collect();
    if keys.is_empty() {
        // A pane without rows (Redis): its actions need no selection.
        return vec![None];
    }
    keys
}

/// `text` with its last number one higher (`3` → `4`, `app:1.4.2` → `app:1.4.3`), or
/// with a `1` appended: an answer that differs from the current value.
fn changed_answer(text: &str) -> String {
    let end = match text.rfind(|c: char| c.is_ascii_digit()) {
        Some(i) => i + 1,
        None => return format!("{text}1"),
    };
    let start = text[..end]
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    let n: u64 = text[start..end].parse().unwrap_or(0);
    format!("{}{}{}", &text[..start], n + 1, &text[end..])
}

/// Answers the open question: the `choice`-th of a list (the current value is refused
/// and leaves the question open), or the suggested text, or — when that is refused as
/// no change — the suggestion changed by one.
fn answer(st: &mut State, choice: usize) {
    let km = st.keymap.clone();
    let down = km.keys_for(Context::Global, KeyAction::Down)[0];
    let submit = km.keys_for(Context::Input, KeyAction::Confirm)[0];
    let clear = km.keys_for(Context::Input, KeyAction::ClearInput)[0];
    for _ in 0..choice {
        press(st, &down);
    }
    press(st, &submit);
    if let Some(Modal::Input(field)) = st.modals.last().filter(|_| choice == 0) {
        let retry = changed_answer(&field.text);
        press(st, &clear);
        type_text(st, &retry);
        press(st, &submit);
    }
}

/// Runs the dry runs `commands` ask for through the executor and hands back the verdicts.
async fn run_dry_runs(st: &mut State, exec: &mut Executor, commands: Vec<Command>) {
    for command in commands {
        match command {
            Command::Validate(action) => {
                let outcome = exec.validate(&action).await;
                update(st, Event::Validated { action, outcome });
            }
            Command::Execute(a) => panic!("opening a dialog executed {a:?}"),
            _ => {}
        }
    }
}

/// Closes the open dialog with the keymap's cancel keys (typed confirmations take the
/// `[input]` cancel key, since `n` is typed into them); asserts nothing ran.
fn cancel(st: &mut State, round: usize) {
    let km = st.keymap.clone();
    let typed =
        matches!(st.modals.last(), Some(Modal::Confirm(c)) if c.spec.typed_confirmation.is_some());
    let context = if typed {
        Context::Input
    } else {
        Context::Dialog
    };
    let keys = km.keys_for(context, KeyAction::Cancel);
    let key = keys[round % keys.len()];
    let commands = press(st, &key);
    assert!(
        !commands.iter().any(|c| matches!(c, Command::Execute(_))),
        "cancel executed: {commands:?}"
    );
    assert!(st.modals.is_empty(), "{key:?} closed the dialog");
}

/// Presses `action`'s key on the selected row and walks what opens: each choice of a
/// question in turn, each confirmation dialog with its dry run, then cancels.
async fn walk(st: &mut State, exec: &mut Executor, spec: &PaneSpec, action: KeyAction) -> Opened {
    let km = st.keymap.clone();
    let key = km.keys_for(spec.context, action)[0];
    let mut opened = Opened::default();
    let mut choice = 0;
    loop {
        let mut commands = press(st, &key);
        let choices = match st.modals.last() {
            None => return opened,
            Some(Modal::Logs(_)) => {
                // `[logs]` may bind its own; the global one applies otherwise.
                let back = [Context::Logs, Context::Global]
                    .iter()
                    .find_map(|c| km.keys_for(*c, KeyAction::Back).first().copied())
                    .expect("a back key");
                let closed = press(st, &back);
                assert!(
                    closed.iter().any(|c| matches!(c, Command::StopLogs)),
                    "{closed:?}"
                );
                opened.logs_views += 1;
                return opened;
            }
            Some(Modal::Input(field)) => {
                let n = field.request.choices.len();
                answer(st, choice);
                commands.extend(match st.modals.last() {
                    Some(Modal::Confirm(c)) => match c.dry_run {
                        DryRun::Pending => vec![Command::Validate(c.action.clone())],
                        _ => vec![],
                    },
                    Some(Modal::Input(_)) if n > 0 => {
                        // This choice is the current value: refused; on to the next.
                        let esc = km.keys_for(Context::Input, KeyAction::Cancel)[0];
                        press(st, &esc);
                        assert!(st.modals.is_empty(), "the question closed");
                        choice += 1;
                        if choice >= n {
                            return opened;
                        }
                        continue;
                    }
                    other => panic!("{}: the answer opened no dialog: {other:?}", action.name()),
                });
                n
            }
            Some(Modal::Confirm(_)) => 0,
            Some(other) => panic!("{}: unexpected {other:?}", action.name()),
        };
        run_dry_runs(st, exec, commands).await;
        let Some(Modal::Confirm(c)) = st.modals.last() else {
            panic!("{}: no confirmation dialog", action.name());
        };
        opened.confirm_dialogs += 1;
        opened
            .dry_runs
            .push(format!("{} {:?}", c.action.verb(), c.dry_run));
        cancel(st, opened.confirm_dialogs);
        choice += 1;
        if choice >= choices {
            return opened;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_and_cancelling_every_dialog_mutates_nothing() {
    moto::fake_credentials_env();
    let sim = start(fast_options()).await;
    let mut rx = sim.spawn();
    let settled = |s: &Snapshot<KubeData>| {
        live(s).is_some_and(|d| {
            ready_pods(d, "kitops-backend-").len() == 5
                && d.namespace_pods().count() == 8
                && d.deployment("kitops-backend")
                    .is_some_and(|d| !d.rolling_out())
        })
    };
    let first = wait_for(&mut rx, "8 pods ready", settled).await;
    let old: Vec<String> = first
        .data
        .as_deref()
        .map(|d| {
            ready_pods(d, "kitops-backend-")
                .iter()
                .map(|p| p.name.clone())
                .collect()
        })
        .unwrap_or_default();
    // A second revision, so `rollout undo` has one to offer; done before the baseline.
    let restart = Action::Kube(KubeAction::RolloutRestart {
        namespace: "kitops".into(),
        deployment: "kitops-backend".into(),
    });
    let outcome = Executor::new(&sim.config).run(&restart).await;
    assert!(matches!(outcome, Outcome::Done(_)), "{outcome:?}");
    let kube = wait_for(&mut rx, "the restarted pods ready", |s| {
        settled(s)
            && live(s).is_some_and(|d| {
                ready_pods(d, "kitops-backend-")
                    .iter()
                    .all(|p| !old.contains(&p.name))
            })
    })
    .await;
    let moto_server = tokio::task::spawn_blocking(Moto::start)
        .await
        .expect("moto");
    moto::seed(&moto_server).await;
    let redis_server = TestServer::start(&[]);
    let victims = pg_victims().await;

    let mut config = sim.config.clone();
    config.postgres = pg::settings();
    config.redis = rsupport::settings(&redis_server.url());
    config.aws = moto_server.settings();
    let now = SystemTime::now();
    let mut pg_collector = PgCollector::new(config.postgres.clone());
    let pg_data = pg::collect_until(&mut pg_collector, |d| {
        victims.pids.iter().all(|p| d.session_by_pid(*p).is_some())
            && d.lock_tree.iter().any(|n| n.pid == victims.pids[1])
    })
    .await;
    let redis_data = RedisCollector::new(config.redis.clone())
        .collect()
        .await
        .expect("redis collects");
    let aws_data = AwsCollector::new(config.aws.clone())
        .collect()
        .await
        .expect("aws collects");

    let mut st = State::with_config(config.clone(), now);
    for source in [
        SourceUpdate::Kube(kube),
        SourceUpdate::Postgres(Snapshot::live(pg_data, now)),
        SourceUpdate::Redis(Snapshot::live(redis_data, now)),
        SourceUpdate::Aws(Snapshot::live(aws_data, now)),
    ] {
        update(&mut st, Event::Source(source));
    }
    let before = world(&sim, &moto_server, &redis_server, &victims).await;
    let requests_before = sim.handle.request_log().len();
    let mut exec = Executor::new(&config);

    let mut walked: Vec<(String, Opened)> = Vec::new();
    for spec in PANES.iter() {
        let focus = st.keymap.keys_for(Context::Global, spec.focus_action)[0];
        press(&mut st, &focus);
        assert_eq!(st.focus, spec.id);
        let actions: Vec<KeyAction> = st
            .keymap
            .entries(spec.context)
            .into_iter()
            .map(|(action, _)| action)
            .filter(|a| Op::for_key(*a).is_some())
            .collect();
        for action in actions {
            let mut opened = Opened::default();
            for row in candidate_rows(&st, spec, &victims) {
                st.pane_mut(spec.id).table.selected_key = row;
                opened = walk(&mut st, &mut exec, spec, action).await;
                if opened.confirm_dialogs + opened.logs_views > 0 {
                    break;
                }
            }
            assert!(
                opened.confirm_dialogs + opened.logs_views > 0,
                "{} on {}: no row opened a dialog ({:?})",
                action.name(),
                spec.name,
                st.status
            );
            walked.push((format!("{}/{}", spec.name, action.name()), opened));
        }
    }
    eprintln!("walked: {walked:#?}");
    let names: Vec<&str> = walked.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "pods/delete_pod",
        "pg_locks/pg_terminate",
        "redis/redis_eviction_policy",
        "targets/rds_failover",
    ] {
        assert!(names.contains(&expected), "{expected} walked: {names:?}");
    }
    // Every Kubernetes dialog ran its dry run against the server, which accepted it.
    let kube_dry_runs: Vec<&String> = walked
        .iter()
        .filter(|(n, _)| n.starts_with("pods/"))
        .flat_map(|(_, o)| &o.dry_runs)
        .collect();
    assert!(kube_dry_runs.len() >= 5, "{kube_dry_runs:?}");
    assert!(
        kube_dry_runs.iter().all(|d| d.ends_with("Accepted")),
        "{kube_dry_runs:?}"
    );

    let log = sim.handle.request_log();
    let dialog_requests = &log[requests_before.min(log.len())..];
    let dry: Vec<_> = dialog_requests.iter().filter(|r| r.is_mutating()).collect();
    assert!(
        dry.len() >= kube_dry_runs.len(),
        "each dry run reached the server: {dialog_requests:?}"
    );
    let changed: Vec<_> = dialog_requests
        .iter()
        .filter(|r| r.changed_something())
        .collect();
    assert!(
        changed.is_empty(),
        "requests that changed kube-sim objects: {changed:?}"
    );
    // Let a pod restart or a blocked update show, if anything was hit after all.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = world(&sim, &moto_server, &redis_server, &victims).await;
    assert_eq!(after.pods, before.pods, "pods");
    assert_eq!(after.deployments, before.deployments, "deployments");
    assert!(after.moto == before.moto, "moto's state changed");
    assert_eq!(after.redis_policy, before.redis_policy, "redis policy");
    assert_eq!(after.backends, before.backends, "PostgreSQL backends");
    assert_eq!(
        before.backends.len(),
        victims.pids.len(),
        "{:?}",
        before.backends
    );
    assert!(
        victims.queries.iter().all(|q| !q.is_finished()),
        "a cancelled or terminated query returned"
    );
    let audit = std::fs::read_to_string(&config.audit_log).unwrap_or_default();
    assert_eq!(
        audit.matches("\"attempt\"").count(),
        1,
        "only the restart made before the baseline was attempted: {audit}"
    );
}
