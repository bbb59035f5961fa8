//! Pod log lines: kube-sim writes a pod's `kube-sim.kitops.dev/log-line` annotation
//! verbatim into every third line of its log, so the corpus goes through the logs
//! stream into the logs view and `w` (the written file). The logs view has no copy
//! key; `snapshot` shows no logs.

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, Patch, PatchParams};

use crate::support::hostile;
use crate::support::hostile_exits::{pause, Exits};
use crate::support::kube as kube_support;
use crate::support::tmux::Tmux;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_lines_leave_the_process_only_escaped() {
    let sim = kube_support::start(kube_support::fast_options()).await;
    annotate_every_pod(&sim, &hostile::line()).await;
    let env = format!("KUBECONFIG={}", sim.dir.path().join("kubeconfig").display());
    let exits = tokio::task::spawn_blocking(move || drive_console(&env))
        .await
        .expect("console driven");
    let written = exits
        .files
        .iter()
        .find(|(p, _)| p.to_string_lossy().contains("kitops-logs-"))
        .map(|(_, text)| text.clone())
        .unwrap_or_else(|| panic!("`w` wrote no file: {:?}", exits.files));
    exits.assert_escaped(None);
    assert!(
        written.contains("msg=HOSTILE<tag\\u{e0041}\\u{e0042}\\e]52;c;"),
        "{written}"
    );
}

/// The logs view of a pod, its corpus lines on screen, `w`, then quit.
fn drive_console(env: &str) -> Exits {
    let t = Tmux::start_piped("hostile-logs", 200, 60, env, "");
    t.wait_for("Kubernetes live", |s| s.contains("Pods  ● live"));
    t.keys(&["1", "/"]);
    t.keys(&["-l", "kitops-frontend"]);
    t.keys(&["Enter"]);
    t.wait_for("the frontend pods", |s| s.contains("/kitops-frontend"));
    t.keys(&["l"]);
    // escaped or not: the checks after quitting say which
    t.wait_for("the corpus in the logs view", |s| {
        s.contains("msg=HOSTILE<")
    });
    t.keys(&["w"]);
    t.wait_for("the logs written", |s| s.contains("lines to "));
    t.keys(&["Escape"]);
    pause();
    Exits::after_quit(&t)
}

async fn annotate_every_pod(sim: &kube_support::Sim, text: &str) {
    let conn = kitops_top::collect::kube::client::connect(&sim.config.kube)
        .await
        .expect("kube-sim");
    let pods: Api<Pod> = Api::namespaced(conn.client.clone(), kube_sim::NAMESPACE);
    let patch = serde_json::json!({
        "metadata": {"annotations": {kube_sim::LOG_LINE_ANNOTATION: text}}
    });
    for p in pods.list(&ListParams::default()).await.expect("pods").items {
        let name = p.metadata.name.unwrap_or_default();
        pods.patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .expect("pod annotated");
    }
}
