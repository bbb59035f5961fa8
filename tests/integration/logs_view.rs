//! The logs view: `p` switches to the previous (crashed) container and back, `t`
//! toggles the server's timestamps — each restarts the stream as `kubectl logs
//! --previous --timestamps` would — `W` wraps or cuts long lines (`left`/`right` then
//! scroll), the filter says how many lines match, and `w` writes what is shown to the
//! state directory and names the absolute path. Against kube-sim: the previous
//! container's logs end with its crash.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kitops_top::app::modal::{LogsState, Modal};
use kitops_top::app::{update, Command, Event, State};
use kitops_top::collect::kube::LogRequest;
use kitops_top::ui::render_to_string;

use crate::support::kube::{fast_options, ready_pods, start, wait_for};

const POD: &str = "kitops-backend-7d9f8c6b5-hq2rn";

fn request() -> LogRequest {
    LogRequest {
        namespace: "kitops".into(),
        pod: Some(POD.into()),
        deployment: None,
        follow: true,
        previous: false,
        timestamps: false,
    }
}

fn press(st: &mut State, code: KeyCode) -> Vec<Command> {
    update(st, Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn logs(st: &State) -> &LogsState {
    match st.modals.last() {
        Some(Modal::Logs(l)) => l,
        other => panic!("no logs view on top: {other:?}"),
    }
}

/// A logs view of `POD` with a long line among short ones.
fn state() -> State {
    let mut st = State::for_tests(crate::support::clock::fixed());
    st.modals.push(Modal::Logs(LogsState::new(request())));
    let mut lines: Vec<String> = (0..30)
        .map(|i| {
            format!("level=info msg=\"request completed\" path=/api/v1/models status=200 line={i}")
        })
        .collect();
    lines.push(format!(
        "level=error msg=\"upstream timeout\" target=redis:6379 trace={} end-of-trace",
        "abcdef0123456789".repeat(12)
    ));
    lines.push("level=error msg=\"upstream timeout\" target=redis:6379 attempt=2".into());
    update(&mut st, Event::LogLines(lines));
    st
}

fn started(commands: &[Command]) -> &LogRequest {
    match commands {
        [Command::StartLogs(r)] => r,
        other => panic!("expected one StartLogs, got {other:?}"),
    }
}

#[test]
fn previous_and_timestamps_restart_the_stream_as_kubectl_would() {
    let mut st = state();
    let cmds = press(&mut st, KeyCode::Char('p'));
    let r = started(&cmds);
    assert!(r.previous && !r.timestamps);
    assert_eq!(r.kubectl(), format!("logs pod/{POD} -n kitops --previous"));
    assert!(
        logs(&st).lines.is_empty(),
        "the running container's lines go"
    );
    let screen = render_to_string(&st, 200, 60);
    assert!(
        screen.contains("previous container") && screen.contains("--previous"),
        "{screen}"
    );
    let cmds = press(&mut st, KeyCode::Char('t'));
    assert_eq!(
        started(&cmds).kubectl(),
        format!("logs pod/{POD} -n kitops --previous --timestamps")
    );
    let cmds = press(&mut st, KeyCode::Char('p'));
    let r = started(&cmds);
    assert!(!r.previous && r.timestamps && r.follow);
    assert_eq!(
        r.kubectl(),
        format!("logs pod/{POD} -n kitops -f --timestamps")
    );
    assert!(
        logs(&st).follow,
        "back on the running container it follows again"
    );
}

#[test]
fn the_filter_counts_its_matches() {
    let mut st = state();
    press(&mut st, KeyCode::Char('/'));
    for c in "error".chars() {
        press(&mut st, KeyCode::Char(c));
    }
    press(&mut st, KeyCode::Enter);
    for (w, h) in [(80u16, 24u16), (200, 60)] {
        let screen = render_to_string(&st, w, h);
        assert!(screen.contains("/error · 2 of 32 lines match"), "{screen}");
        assert!(!screen.contains("line=3 "), "{screen}");
        insta::assert_snapshot!(format!("logs_filtered_{w}x{h}"), screen);
    }
}

#[test]
fn long_lines_wrap_or_scroll_sideways() {
    let mut st = state();
    let screen = render_to_string(&st, 80, 24);
    assert!(
        screen.contains("end-of-trace"),
        "wrapped by default:\n{screen}"
    );
    insta::assert_snapshot!("logs_wrapped_80x24", screen);
    press(&mut st, KeyCode::Char('W'));
    let screen = render_to_string(&st, 80, 24);
    assert!(
        !screen.contains("end-of-trace"),
        "cut at the edge:\n{screen}"
    );
    assert!(screen.contains("W wrap"), "{screen}");
    for _ in 0..25 {
        press(&mut st, KeyCode::Right);
    }
    let screen = render_to_string(&st, 80, 24);
    assert!(screen.contains("end-of-trace"), "scrolled right:\n{screen}");
    assert!(screen.contains("from column 201"), "{screen}");
    insta::assert_snapshot!("logs_scrolled_80x24", screen);
    insta::assert_snapshot!("logs_scrolled_200x60", render_to_string(&st, 200, 60));
    press(&mut st, KeyCode::Char('W'));
    assert_eq!(logs(&st).hscroll, 0);
}

#[test]
fn write_goes_to_the_state_directory_and_names_the_absolute_path() {
    let mut st = state();
    let dir = tempfile::tempdir().expect("tempdir");
    std::sync::Arc::make_mut(&mut st.config).state_dir = dir.path().join("kitops-top");
    press(&mut st, KeyCode::Char('p'));
    update(
        &mut st,
        Event::LogLines(vec!["level=fatal msg=\"cannot connect\"".into()]),
    );
    let cmds = press(&mut st, KeyCode::Char('w'));
    let [Command::WriteLogs { path, lines }] = cmds.as_slice() else {
        panic!("expected WriteLogs: {cmds:?}");
    };
    assert_eq!(path.parent(), Some(st.config.state_dir.as_path()));
    assert_eq!(
        path.file_name().and_then(|n| n.to_str()),
        Some(format!("kitops-logs-{POD}-previous-20261118-110640.log").as_str())
    );
    assert_eq!(
        lines,
        &vec!["level=fatal msg=\"cannot connect\"".to_string()]
    );
}

/// The previous container of a crash-looping kube-sim pod, read through the console's
/// own log stream: its own lines, ending with the crash, with the server's timestamps.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn previous_logs_of_a_crashed_container_from_kube_sim() {
    let sim = start(fast_options()).await;
    let mut rx = sim.spawn();
    let snap = wait_for(&mut rx, "backend pods", |s| {
        crate::support::kube::live(s).is_some_and(|d| ready_pods(d, "kitops-backend-").len() == 5)
    })
    .await;
    let data = snap.data.clone().expect("data");
    let pod = ready_pods(&data, "kitops-backend-")[0].name.clone();
    sim.pod_fault(&pod, "CrashLoopBackOff").await;
    let read = |previous, timestamps| {
        let kube = sim.config.kube.clone();
        let pod = pod.clone();
        async move {
            let (tx, mut rx) = tokio::sync::mpsc::channel(16);
            let request = LogRequest {
                namespace: "kitops".into(),
                pod: Some(pod),
                deployment: None,
                follow: true,
                previous,
                timestamps,
            };
            let task = kitops_top::collect::kube::spawn_logs(kube, request, tx);
            let mut lines = Vec::new();
            // The previous container has ended: its stream ends by itself. The current
            // one keeps writing (and its follow is resumed), so it is read for a while.
            let until = tokio::time::Instant::now() + Duration::from_secs(4);
            while let Ok(Some(batch)) = tokio::time::timeout_at(until, rx.recv()).await {
                lines.extend(batch);
            }
            task.abort();
            // The view's own notices (stream dropped / resumed) are not the container's.
            lines.retain(|l: &String| !l.starts_with("-- "));
            lines
        }
    };
    let previous = read(true, true).await;
    let last = previous.last().expect("previous lines");
    assert!(last.contains("level=fatal"), "{previous:?}");
    assert!(
        previous.iter().all(|l| l
            .split(' ')
            .next()
            .is_some_and(|ts| ts.ends_with('Z') && ts.contains('T'))),
        "{previous:?}"
    );
    let current = read(false, false).await;
    assert!(!current.is_empty());
    assert!(
        current.iter().all(|l| !l.contains("level=fatal")),
        "{current:?}"
    );
    assert!(
        current.iter().all(|l| l.starts_with("level=")),
        "{current:?}"
    );
}
