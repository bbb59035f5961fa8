//! Server text that tries to hide or reorder what the on-call engineer reads (bidi
//! controls, line separators, tag characters, Arabic letter mark) is drawn escaped;
//! impossible numbers from a recording or a skewed server clock draw, never panic.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kitops_top::app::event::{Event, SourceUpdate};
use kitops_top::app::update::update;
use kitops_top::app::State;
use kitops_top::collect::postgres::{PgData, Statements};
use kitops_top::collect::Snapshot;

use crate::support::hostile_exits::{copy_details_then_row, headless_snapshot, pause};
use crate::support::kube as kube_support;
use crate::support::tmux::Tmux;
use crate::support::{hostile, pg};

fn press(st: &mut State, key: char) {
    update(
        st,
        Event::Key(KeyEvent::new(KeyCode::Char(key), KeyModifiers::NONE)),
    );
}

fn pg_activity_with(data: PgData) -> State {
    let now = pg::fixed_now();
    let mut st = State::for_tests(now);
    update(
        &mut st,
        Event::Source(SourceUpdate::Postgres(Snapshot::live(data, now))),
    );
    press(&mut st, '3');
    st
}

#[test]
fn invisible_and_bidi_characters_are_drawn_escaped_80x24() {
    let mut data = crate::pg_render::sample();
    let last = data.sessions.last_mut().expect("sample has sessions");
    last.user = Some("ops\u{61c}".into());
    last.query = Some("a\u{202e}b\u{2028}c\u{e0041}".into());
    let st = pg_activity_with(data);
    let screen = kitops_top::ui::render_to_string(&st, 80, 24);
    assert!(
        screen.contains("ops\\u{61c}") && screen.contains("a\\u{202e}b\\u{2028}c\\u{e0041}"),
        "{screen}"
    );
    let raw: Vec<char> = screen
        .chars()
        .filter(|&c| kitops_top::escape::hazard(c).is_some() && c != '\n')
        .collect();
    assert!(raw.is_empty(), "raw on screen: {raw:?}");
    insta::assert_snapshot!("pg_activity_hostile_text_80x24", screen);
}

#[test]
fn negative_nan_and_huge_seconds_render_instead_of_panicking() {
    for interval in [-5.0, f64::NAN, 1e300] {
        let mut data = crate::pg_render::sample();
        if let Statements::Top { interval_s, .. } = &mut data.statements {
            *interval_s = Some(interval);
        }
        let first = data.sessions.first_mut().expect("sample has sessions");
        first.query_start_us = Some(i64::MIN);
        first.xact_start_us = Some(i64::MAX);
        let mut st = pg_activity_with(data);
        let screen = kitops_top::ui::render_to_string(&st, 80, 24);
        assert!(screen.contains("PG activity"), "{screen}");
        press(&mut st, 't');
        let screen = kitops_top::ui::render_to_string(&st, 200, 60);
        assert!(screen.contains("Δ over the last "), "{interval}: {screen}");
        if interval < 0.0 || interval.is_nan() {
            assert!(screen.contains("Δ over the last 0s"), "{screen}");
        }
    }
}

/// The corpus through every source this test controls — a running PostgreSQL query (its
/// text holds the corpus and 1 MB more in a comment; PostgreSQL keeps
/// `application_name` to printable ASCII itself) and a kube-sim Warning event on every
/// pod — into the panes, the details view, the cancel dialog, the copy, the logs view,
/// the log file and `snapshot --format json|table`. The console runs in a real terminal
/// (tmux) and every byte it writes there is read back: none of the corpus's control,
/// bidi, tag, zero-width or separator code points is in it, nor its paste-end or OSC 52
/// sequence, nor in the clipboard writes, the files or the headless output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_corpus_leaves_the_process_only_escaped() {
    let corpus = hostile::line();
    let sim = kube_support::start(kube_support::fast_options()).await;
    event_on_every_pod(&sim, &corpus).await;
    let pg_session = pg::session("hostile-corpus").await;
    let pid = pg::backend_pid(&pg_session).await;
    // if the test dies, the sleep ends with its connection
    pg_session
        .batch_execute("SET client_connection_check_interval = '1s'")
        .await
        .expect("check interval");
    // the corpus first, so the pane's narrow query column shows it too
    let query = format!("/* {} */ SELECT pg_sleep(120)", hostile::megabyte());
    let running = tokio::spawn({
        let c = pg_session.clone();
        async move { c.simple_query(&query).await.map(|_| ()) }
    });
    let kubeconfig = sim.dir.path().join("kubeconfig");
    let env = format!(
        "KUBECONFIG={} KITOPS_PG_URL={}",
        kubeconfig.display(),
        pg::url_for("postgres")
    );

    let (pty, buffers, log_file) = tokio::task::spawn_blocking({
        let env = env.clone();
        move || drive_console(&env)
    })
    .await
    .expect("console driven");
    let raw = hostile::raw_in_terminal(&pty);
    assert!(raw.is_empty(), "raw on the terminal: {raw:?}");
    // under tmux a copy goes to a paste buffer (or OSC 52, by the tmux options)
    let mut copies = hostile::clipboard_writes(&pty);
    copies.extend(buffers);
    assert!(!copies.is_empty(), "`y` copied nothing");
    for copy in &copies {
        assert!(copy.contains("HOSTILE<"), "copied something else: {copy:?}");
        assert_eq!(hostile::raw_in_file(copy), Vec::<char>::new(), "{copy:?}");
        assert!(!copy.ends_with('\n'), "{copy:?}");
    }
    assert_eq!(hostile::raw_in_file(&log_file), Vec::<char>::new());

    for format in ["json", "table"] {
        let out = headless_snapshot(&env, &[], format);
        assert!(
            out.contains("HOSTILE<"),
            "{format}: corpus not in the output"
        );
        assert_eq!(
            hostile::raw_in_file(&out),
            Vec::<char>::new(),
            "snapshot --format {format}"
        );
    }
    let admin = pg::session("hostile-corpus-admin").await;
    admin
        .execute("SELECT pg_cancel_backend($1)", &[&pid])
        .await
        .expect("the corpus query cancelled");
    let _ = running.await;
}

/// Walks the corpus's panes, details, dialog, copy and logs; returns the terminal's
/// bytes, tmux's paste buffers and the log file.
fn drive_console(env: &str) -> (Vec<u8>, Vec<String>, String) {
    let t = Tmux::start_piped("hostile", 200, 60, env, "");
    t.wait_for("PostgreSQL and Kubernetes live", |s| {
        s.contains("PG activity  ● live") && s.contains("Pods  ● live")
    });
    // PG activity: the corpus session, its details, the copy and the cancel dialog.
    t.keys(&["3", "/"]);
    // its own query's start: hostile_sources::pg_names' sessions hold the corpus too
    t.keys(&["-l", "/* HOSTILE<"]);
    t.keys(&["Enter"]);
    t.wait_for("the corpus query", |s| s.contains("/* HOSTILE<"));
    t.keys(&["Enter"]);
    t.wait_for("its details", |s| s.contains("\\e]52;c;"));
    copy_details_then_row(&t);
    t.keys(&["c"]);
    t.wait_for("the cancel dialog names the query", |s| {
        s.contains("Cancel the running query") && s.contains("HOSTILE<tag\\u{e0041}")
    });
    t.keys(&["n"]);
    pause();
    // Pods: a pod's details with the corpus event, then its logs.
    t.keys(&["1", "Down", "Enter"]);
    t.wait_for("the corpus event in the pod's details", |s| {
        s.contains("Hostile") && s.contains("HOSTILE<")
    });
    t.keys(&["Escape"]);
    pause();
    t.keys(&["l"]);
    t.wait_for("the logs view", |s| s.contains("msg="));
    t.keys(&["Escape"]);
    pause();
    t.keys(&["q"]);
    t.wait_for("the console quits", |s| s.contains("EXITED:0"));
    let log_file = std::fs::read_to_string(t.log_path()).unwrap_or_default();
    (t.pty_bytes(), t.buffers(), log_file)
}

/// A Warning event about every pod whose message is the corpus.
async fn event_on_every_pod(sim: &kube_support::Sim, corpus: &str) {
    use k8s_openapi::api::core::v1::{Event as KubeEvent, Pod};
    use kube::api::{Api, ListParams, PostParams};
    let conn = kitops_top::collect::kube::client::connect(&sim.config.kube)
        .await
        .expect("kube-sim");
    let ns = "kitops";
    let pods: Api<Pod> = Api::namespaced(conn.client.clone(), ns);
    let events: Api<KubeEvent> = Api::namespaced(conn.client.clone(), ns);
    for (i, p) in pods
        .list(&ListParams::default())
        .await
        .expect("pods")
        .items
        .iter()
        .enumerate()
    {
        let ev: KubeEvent = serde_json::from_value(serde_json::json!({
            "metadata": {"name": format!("hostile-{i}"), "namespace": ns},
            "involvedObject": {"kind": "Pod", "namespace": ns,
                "name": p.metadata.name, "uid": p.metadata.uid},
            "reason": "Hostile", "type": "Warning", "count": 1,
            "message": corpus,
            "firstTimestamp": p.metadata.creation_timestamp,
            "lastTimestamp": p.metadata.creation_timestamp,
        }))
        .expect("event");
        events
            .create(&PostParams::default(), &ev)
            .await
            .expect("event created");
    }
}
