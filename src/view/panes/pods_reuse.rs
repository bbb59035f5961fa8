//! The pods pane rebuilt where it stands. At 100,000 pods most snapshots change
//! little: a metrics round changes every pod's usage and no pod, a watch event
//! changes one pod. When a snapshot holds the same pods in the same order as the one
//! the last table was made from — each the same object, or a new version of the same
//! pod (uid, name, ReplicaSet) — under the same ReplicaSets and deployments, every
//! row stays where it is: a kept row gets its live cells brought up to date, a
//! changed pod's row is made anew, the group headers and the summary are made again.
//! Nothing is grouped, hashed or looked up by key. Anything else (pods added or
//! removed, owners changed) is a full build (`pods::build_reusing`).

use std::sync::Arc;

use super::pods;
use super::pods_summary::{empty_message, summary, Counts};
use super::BuildCtx;
use crate::collect::kube::{KubeData, LivePod};
use crate::view::table::{BuildMemo, PaneContent, Target};

/// `PodsLayout::pod_of_row` for a group header.
pub(super) const HEADER: u32 = u32::MAX;

/// How the last table was laid out, kept in its `PaneContent::memo`.
pub(super) struct PodsLayout {
    /// The snapshot it was built from. Held so that the pod objects compared by
    /// address below are alive (an address cannot be reused while it is compared).
    data: Arc<KubeData>,
    /// For each row, the index in `data.pods` of the pod it shows, or `HEADER`.
    pod_of_row: Arc<[u32]>,
}

impl PodsLayout {
    pub(super) fn memo(data: &Arc<KubeData>, pod_of_row: Vec<u32>) -> BuildMemo {
        BuildMemo::new(Self {
            data: data.clone(),
            pod_of_row: pod_of_row.into(),
        })
    }
}

/// The same grouping follows from both snapshots: the namespace and selector, which
/// ReplicaSet belongs to which deployment, and which deployments there are.
fn same_owners<'a>(before: &'a KubeData, now: &'a KubeData) -> bool {
    let owners = |d: &'a KubeData| {
        d.replicasets
            .iter()
            .filter(move |r| r.namespace == d.namespace)
            .map(|r| (&r.name, &r.deployment))
    };
    let deployments = |d: &'a KubeData| {
        d.deployments
            .iter()
            .filter(move |x| x.namespace == d.namespace)
            .map(|x| &x.name)
    };
    before.namespace == now.namespace
        && before.label_selector == now.label_selector
        && owners(before).eq(owners(now))
        && deployments(before).eq(deployments(now))
}

/// Every pod is the very object it was (nothing changed but usage, which is beside it).
pub(super) fn same_objects(before: &[LivePod], now: &[LivePod]) -> bool {
    before.len() == now.len()
        && before
            .iter()
            .zip(now)
            .all(|(a, b)| Arc::ptr_eq(&a.info, &b.info))
}

/// The same pods in the same order: each the same object, or a new version of the
/// same pod that stays in its group.
fn same_pods(before: &[LivePod], now: &[LivePod]) -> bool {
    before.len() == now.len()
        && before.iter().zip(now).all(|(a, b)| {
            Arc::ptr_eq(&a.info, &b.info)
                || (a.uid == b.uid
                    && a.name == b.name
                    && a.namespace == b.namespace
                    && a.replicaset == b.replicaset)
        })
}

/// The pane laid over `last`'s rows, when `last` remembers its layout and `data`
/// has the same pods in the same order under the same owners; else `None`.
pub(super) fn in_place(
    data: &Arc<KubeData>,
    ctx: &BuildCtx,
    last: &PaneContent,
) -> Option<PaneContent> {
    let layout = last.memo.get::<PodsLayout>()?;
    let before = &layout.data;
    if layout.pod_of_row.len() != last.rows.len()
        || !same_owners(before, data)
        || !same_pods(&before.pods, &data.pods)
    {
        return None;
    }
    let now = pods::unix(ctx.now);
    let metrics = &data.pod_metrics;
    let mut counts = Counts::default();
    let mut rows = Vec::with_capacity(last.rows.len());
    // Group headers: their row, deployment and members, made once the members are.
    let mut groups: Vec<(usize, String, Vec<&LivePod>)> = Vec::new();
    for (old, &at) in last.rows.iter().zip(layout.pod_of_row.iter()) {
        if at == HEADER {
            let target = old.action_target();
            let Some(Target::Deployment { name, .. }) = target.as_deref() else {
                return None;
            };
            groups.push((rows.len(), name.clone(), Vec::new()));
            rows.push(old.clone());
            continue;
        }
        let p = data.pods.get(at as usize)?;
        counts.add(p);
        // Rows under a header are its members; the pods of no deployment come last.
        let group = groups.last_mut().filter(|_| old.depth > 0);
        let deployment = group.as_ref().map(|g| g.1.as_str());
        // Same group by construction (`same_owners`, `same_pods`): only the object matters.
        let row = if old.source.as_ref().is_some_and(|s| s.is(&p.info)) {
            let mut row = old.clone();
            pods::update_live(&mut row, p, metrics, now);
            row
        } else {
            pods::pod_row(p, deployment, metrics, now)
        };
        rows.push(row);
        if let Some(g) = group {
            g.2.push(p);
        }
    }
    for (at, name, members) in &groups {
        let mut header = pods::header_row(name, data.deployment(name), members, &data.namespace);
        if let Some(slot) = rows.get_mut(*at) {
            header.keep_text_of(slot);
            *slot = header;
        }
    }
    Some(PaneContent {
        summary: summary(data, ctx, &counts),
        columns: pods::columns(),
        rows,
        empty_message: empty_message(data),
        memo: BuildMemo::new(PodsLayout {
            data: data.clone(),
            pod_of_row: layout.pod_of_row.clone(),
        }),
    })
}
