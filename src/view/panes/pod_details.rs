//! What `enter` shows on the pods pane, built from the snapshot when asked rather than
//! stored in every row.

use super::pods::{age_since, cpu, deployment_of, mem, owner_map, status_text, unix};
use super::BuildCtx;
use crate::collect::kube::{DeploymentInfo, KubeData, LivePod, MetricsStatus};
use crate::view::safe_text::SafeText;
use crate::view::table::Target;

/// What `enter` shows for the row aimed at `target`, built from the snapshot when asked
/// rather than stored in every row: 5,000 pods × seven detail strings were most of the
/// pane's memory.
pub fn details(
    data: &KubeData,
    ctx: &BuildCtx,
    target: &Target,
) -> Option<Vec<(String, SafeText)>> {
    let now = unix(ctx.now);
    let uid = match target {
        Target::Deployment { namespace, name } if *namespace == data.namespace => {
            let mut fields = deployment_details(name, data.deployment(name), &data.namespace);
            fields.extend(super::pod_diag::rollout_history(data, name, now));
            return Some(fields);
        }
        Target::Pod { uid, .. } => uid,
        _ => return None,
    };
    let p = data.namespace_pods().find(|p| &p.uid == uid)?;
    let owners = owner_map(data);
    let mut fields = pod_details(p, deployment_of(&owners, p), &data.pod_metrics, ctx);
    fields.extend(super::pod_diag::details(data, p, now, ctx.redact));
    Some(fields)
}

fn pod_details(
    p: &LivePod,
    deployment: Option<&str>,
    metrics: &MetricsStatus,
    ctx: &BuildCtx,
) -> Vec<(String, SafeText)> {
    let now = unix(ctx.now);
    let opt = |v: Option<f64>, f: fn(f64) -> String| v.map(f).unwrap_or_else(|| "none".into());
    let usage = match p.usage {
        Some(u) => format!("cpu {} · memory {}", cpu(u.cpu), mem(u.memory)),
        None => metrics.line("metrics", now),
    };
    let restarts = match (&p.last_termination, age_since(now, p.last_restart)) {
        (Some(r), Some(a)) => format!("{} · last: {r}, {a} ago", p.restarts),
        (Some(r), None) => format!("{} · last: {r}", p.restarts),
        _ => p.restarts.to_string(),
    };
    let fields = [
        (
            "pod",
            format!("{} -n {} (uid {})", p.name, p.namespace, p.uid),
        ),
        (
            "owner",
            format!(
                "deployment {} · replicaset {}",
                deployment.unwrap_or("(none)"),
                p.replicaset.as_deref().unwrap_or("(none)")
            ),
        ),
        ("node", p.node.as_deref().unwrap_or("<none>").to_string()),
        (
            "status",
            // The waiting or termination message is the container's own text.
            format!(
                "{} (phase {}) {}",
                status_text(p),
                p.phase,
                ctx.redact.text(&p.message)
            ),
        ),
        ("restarts", restarts),
        ("usage", usage),
        (
            "requests / limits",
            format!(
                "cpu {} / {} · memory {} / {}",
                opt(p.requests.cpu, cpu),
                opt(p.limits.cpu, cpu),
                opt(p.requests.memory, mem),
                opt(p.limits.memory, mem)
            ),
        ),
    ];
    safe_fields(fields)
}

fn deployment_details(
    name: &str,
    d: Option<&DeploymentInfo>,
    namespace: &str,
) -> Vec<(String, SafeText)> {
    let mut fields = vec![
        ("deployment", name.to_string()),
        ("namespace", namespace.to_string()),
    ];
    if let Some(d) = d {
        fields.extend([
            ("desired", d.desired.to_string()),
            ("updated", d.updated.to_string()),
            ("ready", d.ready.to_string()),
            ("available", d.available.to_string()),
            (
                "rolling out",
                if d.rolling_out() { "yes" } else { "no" }.into(),
            ),
            (
                "revision",
                d.revision.map(|r| r.to_string()).unwrap_or_default(),
            ),
            ("images", d.images.clone()),
        ]);
    }
    safe_fields(fields)
}

fn safe_fields(
    fields: impl IntoIterator<Item = (&'static str, String)>,
) -> Vec<(String, SafeText)> {
    fields
        .into_iter()
        .map(|(name, value)| (name.to_string(), SafeText::block(&value)))
        .collect()
}
