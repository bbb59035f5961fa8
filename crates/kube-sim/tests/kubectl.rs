//! Fidelity with the real kubectl binary.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const KUBECTL: &str = "/usr/bin/kubectl";

fn kubectl(cfg: &Path, args: &[&str]) -> String {
    let out = Command::new(KUBECTL)
        .arg("--kubeconfig")
        .arg(cfg)
        .args(args)
        .output()
        .expect("run kubectl");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "kubectl {args:?} failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn names(cfg: &Path, selector: &str) -> Vec<String> {
    let out = kubectl(cfg, &["get", "pods", "-n", "kitops", "-l", selector, "-o", "jsonpath={range .items[*]}{.metadata.name} {.metadata.deletionTimestamp}{\"\\n\"}{end}"]);
    out.lines()
        .filter(|l| l.split_whitespace().count() == 1)
        .map(|l| l.trim().to_string())
        .collect()
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn kubectl_end_to_end() {
    if !Path::new(KUBECTL).exists() {
        // CI must prove fidelity; a developer without kubectl is told, not failed.
        assert!(
            std::env::var_os("CI").is_none(),
            "{KUBECTL} is required in CI"
        );
        eprintln!("SKIPPED: {KUBECTL} is not installed");
        return;
    }
    let h = sim(fast_opts());
    let dir = std::env::temp_dir().join(format!("kube-sim-test-{}", h.addr.port()));
    std::fs::create_dir_all(&dir).expect("tmpdir");
    let cfg = dir.join("kubeconfig");
    h.write_kubeconfig(&cfg).expect("kubeconfig");
    let cfg = cfg.as_path();

    let pods = kubectl(cfg, &["get", "pods", "-n", "kitops"]);
    assert!(pods.starts_with("NAME"), "{pods}");
    assert_eq!(
        pods.lines()
            .filter(|l| l.starts_with("kitops-backend-") && l.contains("Running"))
            .count(),
        5,
        "{pods}"
    );
    assert_eq!(
        pods.lines()
            .filter(|l| l.starts_with("kitops-frontend-"))
            .count(),
        3,
        "{pods}"
    );

    // --chunk-size pages the LIST (limit + continue): 8 pods in 4 requests, same table.
    http(h.addr, "DELETE", "/_sim/requests", "application/json", "");
    let chunked = kubectl(cfg, &["get", "pods", "-n", "kitops", "--chunk-size=2"]);
    let first_col = |t: &str| -> Vec<String> {
        t.lines()
            .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(first_col(&chunked), first_col(&pods), "{chunked}");
    let counts = get_json(h.addr, "/_sim/requests");
    assert_eq!(counts["counts"]["list pods"], 4, "{counts}");

    // rollout restart -> new pods, rollout status completes
    let before = names(cfg, "app=kitops-backend");
    assert_eq!(before.len(), 5);
    kubectl(
        cfg,
        &[
            "rollout",
            "restart",
            "deployment/kitops-backend",
            "-n",
            "kitops",
        ],
    );
    let st = kubectl(
        cfg,
        &[
            "rollout",
            "status",
            "deployment/kitops-backend",
            "-n",
            "kitops",
            "--timeout=30s",
        ],
    );
    assert!(st.contains("successfully rolled out"), "{st}");
    let after = names(cfg, "app=kitops-backend");
    assert_eq!(after.len(), 5);
    assert!(
        after.iter().all(|n| !before.contains(n)),
        "{before:?} vs {after:?}"
    );
    let rs = kubectl(
        cfg,
        &[
            "get",
            "rs",
            "-n",
            "kitops",
            "-l",
            "app=kitops-backend",
            "-o",
            "jsonpath={.items[*].metadata.annotations.deployment\\.kubernetes\\.io/revision}",
        ],
    );
    let mut revs: Vec<&str> = rs.split_whitespace().collect();
    revs.sort();
    assert_eq!(revs, ["1", "2"]);

    // rollout undo reactivates the old ReplicaSet (revision 1 -> 3), no new RS
    let undo = kubectl(
        cfg,
        &[
            "rollout",
            "undo",
            "deployment/kitops-backend",
            "-n",
            "kitops",
        ],
    );
    assert!(undo.contains("rolled back"), "{undo}");
    kubectl(
        cfg,
        &[
            "rollout",
            "status",
            "deployment/kitops-backend",
            "-n",
            "kitops",
            "--timeout=30s",
        ],
    );
    let rs = kubectl(
        cfg,
        &[
            "get",
            "rs",
            "-n",
            "kitops",
            "-l",
            "app=kitops-backend",
            "-o",
            "jsonpath={.items[*].metadata.annotations.deployment\\.kubernetes\\.io/revision}",
        ],
    );
    let mut revs: Vec<&str> = rs.split_whitespace().collect();
    revs.sort();
    assert_eq!(revs, ["2", "3"]);

    // scale
    let out = kubectl(
        cfg,
        &[
            "scale",
            "deployment/kitops-backend",
            "--replicas=2",
            "-n",
            "kitops",
        ],
    );
    assert!(out.contains("scaled"), "{out}");
    wait_for("2 backend pods", || {
        names(cfg, "app=kitops-backend").len() == 2
    });

    // top
    let top = kubectl(cfg, &["top", "pods", "-n", "kitops"]);
    assert!(
        top.contains("CPU(cores)") && top.lines().any(|l| l.starts_with("kitops-frontend-")),
        "{top}"
    );
    let top = kubectl(cfg, &["top", "nodes"]);
    assert_eq!(
        top.lines()
            .filter(|l| l.starts_with("kube-sim-node-"))
            .count(),
        3,
        "{top}"
    );

    // logs
    let pod = names(cfg, "app=kitops-frontend").remove(0);
    let logs = kubectl(cfg, &["logs", &pod, "-n", "kitops", "--tail=5"]);
    assert_eq!(logs.lines().count(), 5, "{logs}");

    // delete pod -> replaced by a new one
    let out = kubectl(cfg, &["delete", "pod", &pod, "-n", "kitops"]);
    assert!(out.contains("deleted"), "{out}");
    wait_for("replacement pod", || {
        let n = names(cfg, "app=kitops-frontend");
        n.len() == 3 && !n.contains(&pod)
    });

    // get -w receives events
    let mut child = Command::new(KUBECTL)
        .arg("--kubeconfig")
        .arg(cfg)
        .args(["get", "pods", "-n", "kitops", "-w", "--request-timeout=3s"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn kubectl -w");
    std::thread::sleep(Duration::from_millis(500));
    kubectl(
        cfg,
        &[
            "delete",
            "pod",
            &names(cfg, "app=kitops-frontend")[0],
            "-n",
            "kitops",
            "--wait=false",
        ],
    );
    std::thread::sleep(Duration::from_millis(1000));
    let _ = child.kill();
    let out = child.wait_with_output().expect("kubectl -w output");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Terminating") || text.contains("ContainerCreating"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// What crash diagnostics read: `lastState.terminated` (reason, exit code) and the
/// pod's Events, as the real kubectl sees them.
#[test]
fn kubectl_sees_termination_states_and_events() {
    if !Path::new(KUBECTL).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{KUBECTL} is required in CI"
        );
        eprintln!("SKIPPED: {KUBECTL} is not installed");
        return;
    }
    let h = sim(fast_opts());
    let dir = std::env::temp_dir().join(format!("kube-sim-events-{}", h.addr.port()));
    std::fs::create_dir_all(&dir).expect("tmpdir");
    let cfg = dir.join("kubeconfig");
    h.write_kubeconfig(&cfg).expect("kubeconfig");
    let cfg = cfg.as_path();
    let pods = pod_names(h.addr, "app=kitops-backend");
    let (crash, oom) = (&pods[0], &pods[1]);
    for (name, fault) in [(crash, "CrashLoopBackOff"), (oom, "OOMKilled")] {
        let body = format!(r#"{{"name":"{name}","fault":"{fault}"}}"#);
        let (code, text) = http(h.addr, "POST", "/_sim/pod-fault", "application/json", &body);
        assert_eq!(code, 200, "{text}");
    }
    let term = |pod: &str| {
        kubectl(cfg, &["get", "pod", pod, "-n", "kitops", "-o",
            "jsonpath={.status.containerStatuses[0].lastState.terminated.reason} {.status.containerStatuses[0].lastState.terminated.exitCode} {.status.containerStatuses[0].restartCount}"])
    };
    assert_eq!(term(crash), "Error 1 5");
    assert_eq!(term(oom), "OOMKilled 137 1");
    let events = kubectl(cfg, &["get", "events", "-n", "kitops", "-o",
        "jsonpath={range .items[*]}{.type} {.reason} {.involvedObject.kind}/{.involvedObject.name} {.count}{\"\\n\"}{end}"]);
    assert!(
        events.contains(&format!("Warning BackOff Pod/{crash} 5")),
        "{events}"
    );
    assert!(
        events.contains(&format!("Warning OOMKilled Pod/{oom} 1")),
        "{events}"
    );
    // The probe failures before each restart, as the kubelet reports them.
    assert!(
        events.contains(&format!("Warning Unhealthy Pod/{crash} 15")),
        "{events}"
    );
    let probe = kubectl(
        cfg,
        &[
            "get",
            "events",
            "-n",
            "kitops",
            "--field-selector",
            &format!("reason=Unhealthy,involvedObject.name={crash}"),
            "-o",
            "jsonpath={.items[0].message}",
        ],
    );
    assert!(
        probe.starts_with("Liveness probe failed: Get \"http://"),
        "{probe}"
    );
    let table = kubectl(
        cfg,
        &[
            "get",
            "events",
            "-n",
            "kitops",
            "--field-selector",
            "type=Warning",
        ],
    );
    assert!(table.contains("BackOff"), "{table}");

    // --previous: the crashed instance's own lines, ending with its fatal line, with
    // the kubelet's RFC 3339 timestamps; the running instance never wrote that line.
    let prev = kubectl(
        cfg,
        &[
            "logs",
            crash,
            "-n",
            "kitops",
            "--previous",
            "--timestamps",
            "--tail=3",
        ],
    );
    let lines: Vec<&str> = prev.lines().collect();
    assert_eq!(lines.len(), 3, "{prev}");
    for line in &lines {
        let (ts, _) = line.split_once(' ').unwrap_or_default();
        assert!(
            ts.len() == 30 && ts.as_bytes()[10] == b'T' && ts.ends_with('Z'),
            "not an RFC 3339 timestamp: {line}"
        );
    }
    assert!(
        lines[2].contains("level=fatal") && lines[2].contains("exit_code=1"),
        "{prev}"
    );
    let current = kubectl(cfg, &["logs", crash, "-n", "kitops", "--tail=200"]);
    assert!(!current.contains("level=fatal"), "{current}");
    assert!(
        !current.lines().next().unwrap_or_default().ends_with('Z') && !current.starts_with("20"),
        "no timestamps unless asked: {current}"
    );
    // An OOM kill leaves no last words.
    let oom_prev = kubectl(cfg, &["logs", oom, "-n", "kitops", "--previous"]);
    assert!(oom_prev.lines().count() >= 30, "{oom_prev}");
    assert!(!oom_prev.contains("level=fatal"), "{oom_prev}");
    // A container that never restarted has no previous instance: kubectl says so.
    let out = Command::new(KUBECTL)
        .arg("--kubeconfig")
        .arg(cfg)
        .args(["logs", &pods[2], "-n", "kitops", "--previous"])
        .output()
        .expect("run kubectl");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("previous terminated container"), "{stderr}");
}

/// Rollout history as kubectl shows it: revisions with the change-cause the
/// deployment carried when each replicaset was made.
#[test]
fn kubectl_rollout_history_shows_change_causes() {
    if !Path::new(KUBECTL).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{KUBECTL} is required in CI"
        );
        eprintln!("SKIPPED: {KUBECTL} is not installed");
        return;
    }
    let h = sim(fast_opts());
    let dir = std::env::temp_dir().join(format!("kube-sim-history-{}", h.addr.port()));
    std::fs::create_dir_all(&dir).expect("tmpdir");
    let cfg = dir.join("kubeconfig");
    h.write_kubeconfig(&cfg).expect("kubeconfig");
    let cfg = cfg.as_path();
    let d = "deployment/kitops-backend";
    kubectl(
        cfg,
        &[
            "annotate",
            d,
            "-n",
            "kitops",
            "kubernetes.io/change-cause=release 1.15.0",
        ],
    );
    kubectl(
        cfg,
        &[
            "set",
            "image",
            d,
            "-n",
            "kitops",
            "backend=ghcr.io/kitops/backend:1.15.0",
        ],
    );
    let history = kubectl(cfg, &["rollout", "history", d, "-n", "kitops"]);
    let rev2 = history
        .lines()
        .find(|l| l.trim_start().starts_with('2'))
        .unwrap_or_default();
    assert!(rev2.contains("release 1.15.0"), "{history}");
    let rev1 = history
        .lines()
        .find(|l| l.trim_start().starts_with('1'))
        .unwrap_or_default();
    assert!(rev1.contains("<none>"), "{history}");
}
