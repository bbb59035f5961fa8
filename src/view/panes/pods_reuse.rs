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

use super::pods_summary::{empty_message, summary, Counts};
use super::BuildCtx;
use super::{pods, pods_usage};
use crate::collect::kube::{KubeData, LivePod, Usage};
use crate::view::table::{BuildMemo, LiveCell, PaneContent, TableRow, Target};

/// `PodsLayout::pod_of_row` for a group header.
pub(super) const HEADER: u32 = u32::MAX;

/// How the last table was laid out, kept in its `PaneContent::memo`.
pub(super) struct PodsLayout {
    /// The snapshot it was built from. Held so that the pod objects compared by
    /// address below are alive (an address cannot be reused while it is compared).
    data: Arc<KubeData>,
    /// For each row, the index in `data.pods` of the pod it shows, or `HEADER`.
    pod_of_row: Arc<[u32]>,
    /// The namespace's counts over those pods (the same pods count the same).
    counts: Counts,
}

impl PodsLayout {
    pub(super) fn memo(data: &Arc<KubeData>, pod_of_row: Vec<u32>, counts: Counts) -> BuildMemo {
        BuildMemo::new(Self {
            data: data.clone(),
            pod_of_row: pod_of_row.into(),
            counts,
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

/// How the pods of two snapshots compare, when they are the same pods in the same order.
#[derive(PartialEq)]
enum SamePods {
    /// Each the very object it was: only usage can have changed (a metrics round).
    Objects,
    /// Some a new version of the same pod that stays in its group (a watch event).
    Versions,
}

fn same_pods(before: &[LivePod], now: &[LivePod]) -> Option<SamePods> {
    if before.len() != now.len() {
        return None;
    }
    let mut same = SamePods::Objects;
    for (a, b) in before.iter().zip(now) {
        if Arc::ptr_eq(&a.info, &b.info) {
            continue;
        }
        if a.uid == b.uid
            && a.name == b.name
            && a.namespace == b.namespace
            && a.replicaset == b.replicaset
        {
            same = SamePods::Versions;
        } else {
            return None;
        }
    }
    Some(same)
}

/// A group's usage total as its header shows it (`pods::header_row`): the sum over
/// the members that have a sample, none when no member has one.
fn add_usage(total: &mut Option<Usage>, usage: Option<Usage>) {
    if let Some(u) = usage {
        let t = total.get_or_insert_with(Usage::default);
        t.cpu += u.cpu;
        t.memory += u.memory;
    }
}

/// The pane laid over `last`'s rows, when `last` remembers its layout and `data`
/// has the same pods in the same order under the same owners; else `None`.
///
/// A metrics round (the very same pod objects, deployments as they were) reads no
/// pod: the counts are the last ones, a header keeps its text and gets its usage
/// totals, a row its usage (`pods_usage`). Otherwise every pod is counted again and
/// the headers made again from their members.
pub(super) fn in_place(
    data: &Arc<KubeData>,
    ctx: &BuildCtx,
    last: &PaneContent,
) -> Option<PaneContent> {
    let layout = last.memo.get::<PodsLayout>()?;
    let before = &layout.data;
    if layout.pod_of_row.len() != last.rows.len() || !same_owners(before, data) {
        return None;
    }
    let same = same_pods(&before.pods, &data.pods)?;
    let usage_only = same == SamePods::Objects && before.deployments == data.deployments;
    let now = pods::unix(ctx.now);
    let metrics = &data.pod_metrics;
    let mut counts = Counts::default();
    let mut rows = Vec::with_capacity(last.rows.len());
    // Group headers: their row, deployment, members and usage total, made once the
    // members are.
    let mut groups: Vec<(usize, String, Vec<&LivePod>, Option<Usage>)> = Vec::new();
    for (old, &at) in last.rows.iter().zip(layout.pod_of_row.iter()) {
        if at == HEADER {
            let target = old.action_target();
            let Some(Target::Deployment { name, .. }) = target.as_deref() else {
                return None;
            };
            groups.push((rows.len(), name.clone(), Vec::new(), None));
            rows.push(old.clone());
            continue;
        }
        let p = data.pods.get(at as usize)?;
        // Rows under a header are its members; the pods of no deployment come last.
        let group = groups.last_mut().filter(|_| old.depth > 0);
        if usage_only {
            // The row was made from this very pod (`same_pods`).
            let mut row = old.clone();
            if !pods_usage::update_usage(&mut row, p.usage, metrics, now) {
                pods::update_live(&mut row, p, metrics, now);
            }
            rows.push(row);
            if let Some(g) = group {
                add_usage(&mut g.3, p.usage);
            }
            continue;
        }
        counts.add(p);
        let deployment = group.as_ref().map(|g| g.1.as_str());
        // Same group by construction (`same_owners`, `same_pods`): only the object matters.
        let row = if old.source.as_ref().is_some_and(|s| s.is(&p.info)) {
            let mut row = old.clone();
            if !pods_usage::update_usage(&mut row, p.usage, metrics, now) {
                pods::update_live(&mut row, p, metrics, now);
            }
            row
        } else {
            pods::pod_row(p, deployment, metrics, now)
        };
        rows.push(row);
        if let Some(g) = group {
            g.2.push(p);
        }
    }
    if usage_only {
        counts = layout.counts;
        // The same members and deployment: the header says what it said, but for the
        // usage totals.
        for (at, _, _, total) in &groups {
            if let Some(header) = rows.get_mut(*at) {
                set_totals(header, *total);
            }
        }
    } else {
        for (at, name, members, _) in &groups {
            let mut header =
                pods::header_row(name, data.deployment(name), members, &data.namespace);
            if let Some(slot) = rows.get_mut(*at) {
                header.keep_text_of(slot);
                *slot = header;
            }
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
            counts,
        }),
    })
}

/// A group header's usage cells, as `pods::header_row` makes them.
fn set_totals(header: &mut TableRow, total: Option<Usage>) {
    header.set_live(
        pods::COL_CPU,
        LiveCell::Cpu {
            cores: total.map(|u| u.cpu).into(),
            none: "",
        },
    );
    header.set_live(
        pods::COL_MEM,
        LiveCell::Mem {
            bytes: total.map(|u| u.memory).into(),
            none: "",
        },
    );
}
