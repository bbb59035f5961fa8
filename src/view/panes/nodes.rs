//! Nodes pane: memory used (metrics.k8s.io) vs allocatable with a bar, the
//! `describe nodes` "Allocated resources" block (requests / limits summed over the
//! node's pods, % of allocatable), CPU likewise, pods / capacity, conditions,
//! cordoned. Sorted by memory pressure.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use super::pods::{age_since, cpu, mem, pct, unix};
use super::BuildCtx;
use crate::collect::kube::{KubeData, MetricsStatus, NodeInfo};
use crate::view::safe_text::SafeText;
use crate::view::table::{
    BuildMemo, Column, Level, LiveCell, OldRows, PaneContent, SummaryItem, TableRow, Target,
};

pub const COL_NODE: usize = 0;
pub const COL_MEM: usize = 1;
pub const COL_USED: usize = 2;
pub const COL_MEM_REQ: usize = 3;
pub const COL_MEM_LIM: usize = 4;
pub const COL_CPU: usize = 5;
pub const COL_CPU_REQ: usize = 6;
pub const COL_CPU_LIM: usize = 7;
pub const COL_PODS: usize = 8;
pub const COL_CONDITIONS: usize = 9;

const BAR_WIDTH: u8 = 10;

/// The nodes pane before the nodes' first LIST has answered.
const LOADING: &str = "loading nodes…";

/// Fixed widths (see the pods pane); CONDITIONS, last, takes the rest.
fn columns() -> Vec<Column> {
    vec![
        Column::text("NODE", 20, 20, 10),
        Column::text("MEM USED", 15, 15, 9),
        Column::text("USED/ALLOC", 13, 13, 3),
        Column::num("MEM REQ", 7, 8),
        Column::num("MEM LIM", 7, 6),
        Column::num("CPU", 5, 4),
        Column::num("CPU REQ", 7, 2),
        Column::num("CPU LIM", 7, 1),
        Column::text("PODS", 7, 7, 5),
        Column::text("CONDITIONS", 14, 40, 7),
    ]
}

/// Requests and limits of the pods scheduled on one node.
#[derive(Default, Clone, Copy, PartialEq, Debug)]
pub(super) struct Allocated {
    cpu_req: f64,
    cpu_lim: f64,
    mem_req: f64,
    mem_lim: f64,
    pods: u32,
}

pub(super) fn allocated(data: &KubeData) -> HashMap<&str, Allocated> {
    // The pods on a node share one text of its name (`SharedText`), so they are summed
    // by where that text is, a cheap hash of an address per pod instead of SipHash of a
    // name (a tenth of a first build at 100,000 pods); then by name, once per text.
    let mut by_text: HashMap<(usize, usize), (&str, Allocated), foldhash::fast::FixedState> =
        HashMap::default();
    for p in data.pods.iter().filter(|p| p.active) {
        let Some(node) = p.node.as_deref() else {
            continue;
        };
        let (_, a) = by_text
            .entry((node.as_ptr() as usize, node.len()))
            .or_insert((node, Allocated::default()));
        a.pods += 1;
        a.cpu_req += p.requests.cpu.unwrap_or(0.0);
        a.mem_req += p.requests.memory.unwrap_or(0.0);
        // kubectl sums the limits that are set; an unbounded container adds 0.
        a.cpu_lim += p.limits.cpu.unwrap_or(0.0);
        a.mem_lim += p.limits.memory.unwrap_or(0.0);
    }
    let mut out: HashMap<&str, Allocated> = HashMap::with_capacity(by_text.len());
    for (node, a) in by_text.into_values() {
        let sum = out.entry(node).or_default();
        sum.pods += a.pods;
        sum.cpu_req += a.cpu_req;
        sum.mem_req += a.mem_req;
        sum.cpu_lim += a.cpu_lim;
        sum.mem_lim += a.mem_lim;
    }
    out
}

fn conditions(n: &NodeInfo) -> String {
    let mut c = vec![match n.ready {
        Some(true) => "Ready",
        Some(false) => "NotReady",
        None => "Unknown",
    }];
    if n.memory_pressure {
        c.push("MemoryPressure");
    }
    if n.disk_pressure {
        c.push("DiskPressure");
    }
    if n.pid_pressure {
        c.push("PIDPressure");
    }
    if n.unschedulable {
        c.push("SchedulingDisabled");
    }
    c.join(",")
}

/// Memory pressure for sorting: the condition first, then used (or requested) share.
fn pressure(n: &NodeInfo, a: &Allocated) -> f64 {
    let used = n
        .usage
        .and_then(|u| pct(u.memory, Some(n.allocatable.memory)))
        .or_else(|| pct(a.mem_req, Some(n.allocatable.memory)))
        .unwrap_or(0.0);
    used + if n.memory_pressure { 1000.0 } else { 0.0 }
}

/// A node's requests and limits as shares of its allocatable (%), computed once per
/// node and build: the row's text, its level and its sort keys all read them.
#[derive(Clone, Copy)]
struct Shares {
    mem_req: Option<f64>,
    mem_lim: Option<f64>,
    cpu_req: Option<f64>,
    cpu_lim: Option<f64>,
}

impl Shares {
    fn of(n: &NodeInfo, a: &Allocated) -> Self {
        let alloc = n.allocatable;
        Self {
            mem_req: pct(a.mem_req, Some(alloc.memory)),
            mem_lim: pct(a.mem_lim, Some(alloc.memory)),
            cpu_req: pct(a.cpu_req, Some(alloc.cpu)),
            cpu_lim: pct(a.cpu_lim, Some(alloc.cpu)),
        }
    }
}

fn pct_cell(v: Option<f64>) -> String {
    v.map(|p| format!("{p:.0}%")).unwrap_or_else(|| "-".into())
}

/// A node's row but for its usage: the text that follows from the node object and
/// its pods' requests. A metrics round keeps it (`rebuild`); `set_usage` completes it.
fn node_text(n: &NodeInfo, a: &Allocated, shares: &Shares) -> TableRow {
    let Shares {
        mem_req,
        mem_lim,
        cpu_req,
        cpu_lim,
    } = *shares;
    let live = SafeText::line("");
    let cells = vec![
        SafeText::line(&n.name),
        live.clone(),
        live.clone(),
        SafeText::line(&pct_cell(mem_req)),
        SafeText::line(&pct_cell(mem_lim)),
        live,
        SafeText::line(&pct_cell(cpu_req)),
        SafeText::line(&pct_cell(cpu_lim)),
        SafeText::line(&format!("{}/{}", a.pods, n.pods_capacity)),
        SafeText::line(&conditions(n)),
    ];
    TableRow::new(format!("node:{}", n.name), cells)
        .copy(n.name.clone())
        .target(Target::Node {
            name: n.name.clone(),
        })
        .source(n.info.clone())
}

/// The cells, level (colour by pressure) and sort keys that follow from usage.
fn set_usage(
    row: &mut TableRow,
    n: &NodeInfo,
    a: &Allocated,
    shares: &Shares,
    ctx: &BuildCtx,
    m: &MetricsStatus,
) {
    let alloc = n.allocatable;
    let used_pct = n.usage.and_then(|u| pct(u.memory, Some(alloc.memory)));
    let cpu_pct = n.usage.and_then(|u| pct(u.cpu, Some(alloc.cpu)));
    let Shares {
        mem_req,
        mem_lim,
        cpu_req,
        cpu_lim,
    } = *shares;
    row.set_live(
        COL_MEM,
        LiveCell::Bar {
            pct: used_pct.into(),
            width: BAR_WIDTH,
            ascii: ctx.config.ascii,
            none: m.cell_text(),
        },
    );
    row.set_live(
        COL_USED,
        LiveCell::MemOf {
            used: n.usage.map(|u| u.memory).into(),
            of: alloc.memory,
        },
    );
    row.set_live(COL_CPU, LiveCell::Pct(cpu_pct.into()));
    row.level = if n.memory_pressure || n.ready != Some(true) || used_pct.is_some_and(|p| p >= 90.0)
    {
        Level::Crit
    } else if n.disk_pressure
        || n.pid_pressure
        || used_pct.is_some_and(|p| p >= 80.0)
        || mem_req.is_some_and(|p| p >= 90.0)
    {
        Level::Warn
    } else if n.unschedulable {
        Level::Dim
    } else {
        Level::Normal
    };
    let sk = |v: Option<f64>| Some(v.unwrap_or(-1.0));
    let keys = [
        (COL_MEM, sk(used_pct)),
        (COL_USED, Some(n.usage.map(|u| u.memory).unwrap_or(-1.0))),
        (COL_MEM_REQ, sk(mem_req)),
        (COL_MEM_LIM, sk(mem_lim)),
        (COL_CPU, sk(cpu_pct)),
        (COL_CPU_REQ, sk(cpu_req)),
        (COL_CPU_LIM, sk(cpu_lim)),
        (COL_PODS, Some(f64::from(a.pods))),
    ];
    for (col, key) in keys {
        row.sort_keys.set(col, key);
    }
}

/// What `enter` shows of a node before its conditions and pods: made when asked
/// (`node_details`), not for each of 5,000 rows on every snapshot.
pub(super) fn node_facts(
    n: &NodeInfo,
    a: &Allocated,
    metrics: &MetricsStatus,
    now: i64,
) -> Vec<(String, SafeText)> {
    let alloc = n.allocatable;
    let Shares {
        mem_req,
        mem_lim,
        cpu_req,
        cpu_lim,
    } = Shares::of(n, a);
    TableRow::new(String::new(), Vec::new())
        .detail("node", &n.name)
        .detail("conditions", &conditions(n))
        .detail("age", &age_since(now, n.created).unwrap_or_default())
        .detail(
            "memory used",
            &n.usage
                .map(|u| format!("{} of {} allocatable", mem(u.memory), mem(alloc.memory)))
                .unwrap_or_else(|| metrics.line("metrics", now)),
        )
        .detail(
            "memory requests / limits",
            &format!(
                "{} ({}) / {} ({})",
                mem(a.mem_req),
                pct_cell(mem_req),
                mem(a.mem_lim),
                pct_cell(mem_lim)
            ),
        )
        .detail(
            "cpu used",
            &n.usage
                .map(|u| format!("{} of {} allocatable", cpu(u.cpu), cpu(alloc.cpu)))
                .unwrap_or_else(|| metrics.line("metrics", now)),
        )
        .detail(
            "cpu requests / limits",
            &format!(
                "{} ({}) / {} ({})",
                cpu(a.cpu_req),
                pct_cell(cpu_req),
                cpu(a.cpu_lim),
                pct_cell(cpu_lim)
            ),
        )
        .detail("pods", &format!("{} of {}", a.pods, n.pods_capacity))
        .details
        .clone()
}

pub fn build(data: &KubeData, ctx: &BuildCtx) -> PaneContent {
    build_with(data, ctx, &allocated(data), |_, _| None)
}

/// What the last nodes table was made from: the snapshot (held so its pod objects can
/// be compared by address) and the requests and limits summed over its pods.
struct AllocationMemo {
    data: Arc<KubeData>,
    alloc: HashMap<String, Allocated>,
}

/// The pane for the builder thread. The allocation is a walk over every pod of the
/// cluster; when the pods are the very objects the last table was summed from (a
/// metrics round, a deployment or node update), that sum is kept. A node whose object
/// and requests are what its last row showed keeps that row's text: a metrics round
/// changes only its usage cells, level and sort keys (`set_usage`).
pub fn rebuild(data: &Arc<KubeData>, ctx: &BuildCtx, mut old: OldRows) -> PaneContent {
    let last = old.shared_content().cloned();
    let memo = last.as_ref().and_then(|l| l.memo.get::<AllocationMemo>());
    let kept = memo
        .filter(|m| super::pods_reuse::same_objects(&m.data.pods, &data.pods))
        .map(|m| m.alloc.clone());
    let alloc = kept.unwrap_or_else(|| {
        allocated(data)
            .into_iter()
            .map(|(node, a)| (node.to_string(), a))
            .collect()
    });
    let none = Allocated::default();
    let mut content = build_with(data, ctx, &alloc, |n, a| {
        let last_alloc = memo?.alloc.get(n.name.as_str()).unwrap_or(&none);
        let row = old.take(&format!("node:{}", n.name))?;
        let same_node = row.source.as_ref().is_some_and(|s| s.is(&n.info));
        (same_node && last_alloc == a).then_some(row)
    });
    content.memo = BuildMemo::new(AllocationMemo {
        data: data.clone(),
        alloc,
    });
    content
}

/// The pane, with each node's row made anew or, where `kept` gives one, the last
/// row made from the same node object and requests with its usage brought up to date.
fn build_with<K: Borrow<str> + Hash + Eq>(
    data: &KubeData,
    ctx: &BuildCtx,
    alloc: &HashMap<K, Allocated>,
    mut kept: impl FnMut(&NodeInfo, &Allocated) -> Option<TableRow>,
) -> PaneContent {
    let now = unix(ctx.now);
    let none = Allocated::default();
    let mut nodes: Vec<(&NodeInfo, &Allocated, f64)> = data
        .nodes
        .iter()
        .map(|n| {
            let a = alloc.get(n.name.as_str()).unwrap_or(&none);
            (n, a, pressure(n, a))
        })
        .collect();
    nodes.sort_by(|x, y| y.2.total_cmp(&x.2).then_with(|| x.0.name.cmp(&y.0.name)));

    let not_ready = data.nodes.iter().filter(|n| n.ready != Some(true)).count();
    let cordoned = data.nodes.iter().filter(|n| n.unschedulable).count();
    let pressured = data.nodes.iter().filter(|n| n.memory_pressure).count();
    let total_alloc: f64 = data.nodes.iter().map(|n| n.allocatable.memory).sum();
    let total_used: Option<f64> = data
        .nodes
        .iter()
        .map(|n| n.usage.map(|u| u.memory))
        .sum::<Option<f64>>();
    let total_req: f64 = alloc.values().map(|a| a.mem_req).sum();
    let lvl = |bad: bool, l: Level| if bad { l } else { Level::Normal };
    let mut head = vec![
        (
            SafeText::line(&format!("{} nodes", data.nodes.len())),
            Level::Normal,
        ),
        (
            SafeText::line(&format!("{not_ready} not ready")),
            lvl(not_ready > 0, Level::Crit),
        ),
        (
            SafeText::line(&format!("{pressured} memory pressure")),
            lvl(pressured > 0, Level::Crit),
        ),
        (
            SafeText::line(&format!("{cordoned} cordoned")),
            lvl(cordoned > 0, Level::Warn),
        ),
    ];
    if let Some(used) = total_used.filter(|_| !data.nodes.is_empty()) {
        head.push((
            SafeText::line(&format!(
                "memory used {} of {} ({})",
                mem(used),
                mem(total_alloc),
                pct_cell(pct(used, Some(total_alloc)))
            )),
            Level::Normal,
        ));
    }
    head.push((
        SafeText::line(&format!(
            "requested {}",
            pct_cell(pct(total_req, Some(total_alloc)))
        )),
        Level::Normal,
    ));
    // Before the nodes' first LIST answers, "0 nodes · 0 not ready" would be a claim.
    let loading = data.nodes_loading && data.nodes.is_empty();
    let mut summary = if loading {
        vec![SummaryItem::text(LOADING, Level::Warn)]
    } else {
        vec![SummaryItem::Line(head)]
    };
    let metrics_level = match data.node_metrics {
        MetricsStatus::Absent => Level::Warn,
        MetricsStatus::Error { .. } => Level::Crit,
        _ => Level::Dim,
    };
    let mut second = vec![(
        SafeText::line(&data.node_metrics.line("metrics", now)),
        metrics_level,
    )];
    if !data.cluster_pods {
        second.push((
            SafeText::line(&format!(
                "requests/limits: pods of {} only (cluster-wide pod list not used)",
                data.namespace
            )),
            Level::Warn,
        ));
    }
    summary.push(SummaryItem::Line(second));
    if let Some(e) = data.error_of("nodes") {
        summary.push(SummaryItem::text(e, Level::Crit));
    }
    let rows = nodes
        .into_iter()
        .map(|(n, a, _)| {
            let shares = Shares::of(n, a);
            let mut row = kept(n, a).unwrap_or_else(|| node_text(n, a, &shares));
            set_usage(&mut row, n, a, &shares, ctx, &data.node_metrics);
            row
        })
        .collect();
    PaneContent {
        memo: Default::default(),
        summary,
        columns: columns(),
        rows,
        empty_message: Some(match data.error_of("nodes") {
            Some(e) => e.to_string(),
            None if loading => LOADING.into(),
            None => "no nodes".into(),
        }),
    }
}
