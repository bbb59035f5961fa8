//! `enter` on a node: its row's facts, then what `kubectl describe node` adds — every
//! condition with the kubelet's reason and message — and the pods on it, by memory.

use super::pods::{mem, pct, unix};
use super::BuildCtx;
use crate::collect::kube::{KubeData, LivePod, NodeInfo};
use crate::view::safe_text::SafeText;
use crate::view::table::Target;

/// Pods listed by name; the rest are counted.
const PODS_SHOWN: usize = 40;

pub fn details(
    data: &KubeData,
    ctx: &BuildCtx,
    target: &Target,
) -> Option<Vec<(String, SafeText)>> {
    let Target::Node { name } = target else {
        return None;
    };
    let n = data.nodes.iter().find(|n| &n.name == name)?;
    let now = unix(ctx.now);
    let allocated = super::nodes::allocated(data);
    let a = allocated.get(name.as_str()).copied().unwrap_or_default();
    let mut fields = super::nodes::node_facts(n, &a, &data.node_metrics, now);
    fields.extend(conditions(n));
    fields.extend(pods_on(data, n));
    Some(fields)
}

/// `MemoryPressure: True · KubeletHasInsufficientMemory: kubelet has insufficient memory available`.
fn conditions(n: &NodeInfo) -> Vec<(String, SafeText)> {
    n.conditions
        .iter()
        .map(|c| {
            let mut text = c.status.clone();
            match (&c.reason, &c.message) {
                (Some(r), Some(m)) => text.push_str(&format!(" · {r}: {m}")),
                (Some(r), None) => text.push_str(&format!(" · {r}")),
                (None, Some(m)) => text.push_str(&format!(" · {m}")),
                (None, None) => {}
            }
            (format!("condition {}", c.kind), SafeText::line(&text))
        })
        .collect()
}

/// The pods scheduled on `n`, most memory first: `231Mi (90% of request) · kitops/… Running`.
fn pods_on(data: &KubeData, n: &NodeInfo) -> Vec<(String, SafeText)> {
    let mut pods: Vec<&LivePod> = data
        .pods
        .iter()
        .filter(|p| p.node.as_deref() == Some(n.name.as_str()))
        .collect();
    pods.sort_by(|x, y| {
        let m = |p: &LivePod| p.usage.map_or(-1.0, |u| u.memory);
        m(y).total_cmp(&m(x)).then_with(|| x.name.cmp(&y.name))
    });
    let scope = if data.cluster_pods {
        String::new()
    } else {
        format!(" (namespace {} only)", data.namespace)
    };
    let mut fields = vec![(
        "pods on this node".to_string(),
        SafeText::line(&format!("{}{scope}, most memory first", pods.len())),
    )];
    for p in pods.iter().take(PODS_SHOWN) {
        let memory = match p.usage {
            Some(u) => {
                let of_request = pct(u.memory, p.requests.memory)
                    .map(|r| format!(" ({r:.0}% of request)"))
                    .unwrap_or_default();
                format!("{}{of_request}", mem(u.memory))
            }
            None => "no metrics".to_string(),
        };
        fields.push((
            format!("  {}/{}", p.namespace, p.name),
            SafeText::line(&format!("{memory} · {}", p.reason)),
        ));
    }
    if pods.len() > PODS_SHOWN {
        fields.push((
            "  …".to_string(),
            SafeText::line(&format!("{} more", pods.len() - PODS_SHOWN)),
        ));
    }
    fields
}
