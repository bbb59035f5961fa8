//! Compact models of the objects the panes need, converted from the API types as
//! each watch event arrives (a full `Pod` is ~10 KB; a `PodInfo` a few hundred bytes).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::Node;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use serde::{Deserialize, Serialize};

pub use super::shared_text::SharedText;
pub use super::slim::{SlimPod, SlimPodStatus};

pub const REVISION_ANNOTATION: &str = "deployment.kubernetes.io/revision";
/// What `kubectl rollout history` shows as CHANGE-CAUSE.
pub const CHANGE_CAUSE_ANNOTATION: &str = "kubernetes.io/change-cause";

/// CPU in cores and memory in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    pub cpu: f64,
    pub memory: f64,
}

/// Sums of a pod's container requests or limits. A limit is `None` when any
/// container has none (the pod is then unbounded for that resource).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Resources {
    pub cpu: Option<f64>,
    pub memory: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PodInfo {
    pub uid: String,
    pub name: String,
    /// The repeated texts are shared between pods (`SharedText`).
    pub namespace: SharedText,
    pub node: Option<SharedText>,
    /// Unix seconds.
    pub created: Option<i64>,
    pub deleting: bool,
    pub phase: SharedText,
    /// What `kubectl get pods` shows in STATUS (CrashLoopBackOff, Terminating, …).
    pub reason: SharedText,
    /// Longer explanation (scheduler message, waiting message).
    pub message: String,
    pub ready: u32,
    pub containers: u32,
    pub restarts: u32,
    /// When the most recent container termination finished (unix seconds).
    pub last_restart: Option<i64>,
    /// Reason of the most recent termination (`OOMKilled`, `Error`).
    pub last_termination: Option<String>,
    /// Its exit code (137: killed, e.g. by the OOM killer).
    #[serde(default)]
    pub last_exit_code: Option<i32>,
    /// Owning ReplicaSet name, when the controller is a ReplicaSet.
    pub replicaset: Option<SharedText>,
    pub requests: Resources,
    pub limits: Resources,
    /// Counts towards the node's allocated resources (not Succeeded/Failed).
    pub active: bool,
}

/// A pod as a snapshot holds it: the object, shared with the collector's store (a
/// snapshot of 100,000 pods costs a pointer per pod, and an unchanged pod is the same
/// allocation from one snapshot to the next, which is how the pane reuses its row),
/// and its usage from metrics.k8s.io, which changes every metrics round without
/// the pod changing. Reads through to the `PodInfo`; a write copies it if shared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LivePod {
    #[serde(flatten)]
    pub info: Arc<PodInfo>,
    pub usage: Option<Usage>,
}

impl LivePod {
    pub fn new(info: Arc<PodInfo>, usage: Option<Usage>) -> Self {
        Self { info, usage }
    }
}

impl From<PodInfo> for LivePod {
    fn from(info: PodInfo) -> Self {
        Self::new(Arc::new(info), None)
    }
}

impl std::ops::Deref for LivePod {
    type Target = PodInfo;
    fn deref(&self) -> &PodInfo {
        &self.info
    }
}

impl std::ops::DerefMut for LivePod {
    fn deref_mut(&mut self) -> &mut PodInfo {
        Arc::make_mut(&mut self.info)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeploymentInfo {
    pub uid: String,
    pub name: String,
    pub namespace: String,
    pub desired: i32,
    pub current: i32,
    pub updated: i32,
    pub ready: i32,
    pub available: i32,
    pub generation: i64,
    pub observed_generation: i64,
    pub revision: Option<i64>,
    pub paused: bool,
    /// A Progressing=False condition's reason (ProgressDeadlineExceeded).
    pub stalled: Option<String>,
    pub images: String,
    pub created: Option<i64>,
    /// `spec.progressDeadlineSeconds`: how long a rollout may go without progress
    /// before the controller calls it ProgressDeadlineExceeded.
    #[serde(default)]
    pub progress_deadline_s: Option<i64>,
    /// The Progressing condition's `lastUpdateTime` (unix seconds): the controller
    /// measures the deadline from this last progress.
    #[serde(default)]
    pub progressed_at: Option<i64>,
}

impl DeploymentInfo {
    /// A rollout is in progress (`kubectl rollout status` without the availability
    /// wait): the new spec is not yet observed, not every replica runs the new
    /// template, or old replicas are still terminating. Unavailable replicas of a
    /// finished rollout (a crash-looping pod) show as "4/5 available" instead.
    pub fn rolling_out(&self) -> bool {
        self.observed_generation < self.generation
            || self.updated < self.desired
            || self.current > self.updated
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplicaSetInfo {
    pub uid: String,
    pub name: String,
    pub namespace: String,
    pub deployment: Option<String>,
    pub revision: Option<i64>,
    pub images: String,
    pub created: Option<i64>,
    /// The `kubernetes.io/change-cause` annotation (rollout history).
    #[serde(default)]
    pub change_cause: Option<String>,
    pub replicas: i32,
    pub ready: i32,
}

/// A node as its watch delivered it, compact; shared by the store and every snapshot
/// (`LiveNode` holds it beside its usage).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeObject {
    pub name: String,
    pub created: Option<i64>,
    pub allocatable: Usage,
    pub pods_capacity: u32,
    pub ready: Option<bool>,
    pub memory_pressure: bool,
    pub disk_pressure: bool,
    pub pid_pressure: bool,
    pub unschedulable: bool,
    /// Every condition with the kubelet's reason and message (`kubectl describe node`).
    #[serde(default)]
    pub conditions: Vec<NodeCondition>,
}

/// A node as a snapshot holds it: the object, shared with the collector's store (a
/// publish costs a pointer per node, not a copy of its name and conditions), and its
/// usage from metrics.k8s.io beside it. Serialized flat, as the `NodeInfo` of older
/// recordings was. Reads through to the `NodeObject`; a write copies it if shared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveNode {
    #[serde(flatten)]
    pub info: Arc<NodeObject>,
    pub usage: Option<Usage>,
}

/// The name the pane builders (`view::panes::nodes`, `node_details`) use for a node of
/// a snapshot: the same type as `LiveNode`.
pub type NodeInfo = LiveNode;

impl LiveNode {
    pub fn new(info: Arc<NodeObject>, usage: Option<Usage>) -> Self {
        Self { info, usage }
    }
}

impl From<NodeObject> for LiveNode {
    fn from(info: NodeObject) -> Self {
        Self::new(Arc::new(info), None)
    }
}

impl std::ops::Deref for LiveNode {
    type Target = NodeObject;
    fn deref(&self) -> &NodeObject {
        &self.info
    }
}

impl std::ops::DerefMut for LiveNode {
    fn deref_mut(&mut self) -> &mut NodeObject {
        Arc::make_mut(&mut self.info)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeCondition {
    pub kind: String,
    pub status: String,
    pub reason: Option<String>,
    pub message: Option<String>,
}

fn secs(t: &Time) -> i64 {
    t.0.as_second()
}

fn created(m: &ObjectMeta) -> Option<i64> {
    m.creation_timestamp.as_ref().map(secs)
}

fn revision(m: &ObjectMeta) -> Option<i64> {
    m.annotations
        .as_ref()
        .and_then(|a| a.get(REVISION_ANNOTATION))
        .and_then(|v| v.parse().ok())
}

fn images(containers: &[k8s_openapi::api::core::v1::Container]) -> String {
    containers
        .iter()
        .filter_map(|c| c.image.as_deref())
        .collect::<Vec<_>>()
        .join(",")
}

/// Parses a Kubernetes quantity ("250m", "1.5", "512Mi", "1G", "1e3") into a plain number.
pub fn parse_quantity(q: &str) -> Option<f64> {
    let q = q.trim();
    let split = q
        .find(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
        .unwrap_or(q.len());
    let (num, suffix) = q.split_at(split);
    let value: f64 = num.parse().ok()?;
    let mult = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        _ => return None,
    };
    Some(value * mult)
}

fn quantity(
    map: Option<&BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>>,
    key: &str,
) -> Option<f64> {
    quantity_of(map.and_then(|m| m.get(key)))
}

fn quantity_of(q: Option<&k8s_openapi::apimachinery::pkg::api::resource::Quantity>) -> Option<f64> {
    q.and_then(|q| parse_quantity(&q.0))
}

/// A pod's compact form, made from its decoded form by moving its strings (name, uid)
/// out of it: what is left to drop is little more than its `resourceVersion`.
pub fn pod_info(p: SlimPod) -> PodInfo {
    let SlimPod {
        metadata,
        spec,
        status,
    } = p;
    let m = metadata.object;
    let status = status.unwrap_or_default();
    let statuses = status.container_statuses.as_deref().unwrap_or(&[]);
    let phase = status
        .phase
        .clone()
        .unwrap_or_else(|| SharedText::new("Pending"));
    let mut restarts = 0u32;
    let mut ready = 0u32;
    let mut last_restart: Option<i64> = None;
    let mut last_termination: Option<String> = None;
    let mut last_exit_code: Option<i32> = None;
    for cs in statuses {
        restarts += cs.restart_count.max(0) as u32;
        if cs.ready {
            ready += 1;
        }
        if let Some(t) = cs.last_state.as_ref().and_then(|s| s.terminated.as_ref()) {
            let at = t.finished_at.as_ref().map(secs);
            if last_restart.is_none() || at > last_restart {
                last_restart = at.or(last_restart);
                last_termination = t.reason.clone();
                last_exit_code = Some(t.exit_code);
            }
        }
    }
    let deleting = m.deletion_timestamp.is_some();
    let (reason, message) = status_reason(&status, &phase, deleting);
    // Mostly the phase itself ("Running"): the same text, shared without a look-up.
    let reason = if *reason == *phase {
        phase.clone()
    } else {
        SharedText::new(&reason)
    };
    let message = message.into_owned();
    PodInfo {
        created: created(&m),
        uid: m.uid.unwrap_or_default(),
        name: m.name.unwrap_or_default(),
        namespace: SharedText::new(m.namespace.as_deref().unwrap_or_default()),
        node: spec.node_name,
        deleting,
        active: phase != "Succeeded" && phase != "Failed",
        phase,
        reason,
        message,
        ready,
        containers: spec.containers.count,
        restarts,
        last_restart,
        last_termination,
        last_exit_code,
        replicaset: metadata.replicaset,
        requests: spec.containers.requests,
        limits: spec.containers.limits,
    }
}

/// The STATUS column of `kubectl get pods` (printPod), plus a message.
fn status_reason<'a>(
    status: &'a SlimPodStatus,
    phase: &'a str,
    deleting: bool,
) -> (Cow<'a, str>, Cow<'a, str>) {
    let text = |t: &'a Option<String>| Cow::Borrowed(t.as_deref().unwrap_or_default());
    let mut reason = Cow::Borrowed(status.reason.as_deref().unwrap_or(phase));
    let mut message = text(&status.message);
    let init = status.init_container_statuses.as_deref().unwrap_or(&[]);
    let mut initializing = false;
    for (i, cs) in init.iter().enumerate() {
        let st = cs.state.as_ref();
        if let Some(t) = st.and_then(|s| s.terminated.as_ref()) {
            if t.exit_code == 0 {
                continue;
            }
            reason = match &t.reason {
                Some(r) if !r.is_empty() => format!("Init:{r}"),
                _ => format!("Init:ExitCode:{}", t.exit_code),
            }
            .into();
        } else if let Some(w) = st
            .and_then(|s| s.waiting.as_ref())
            .filter(|w| w.reason.as_deref().is_some_and(|r| r != "PodInitializing"))
        {
            reason = format!("Init:{}", w.reason.as_deref().unwrap_or_default()).into();
            message = text(&w.message);
        } else {
            reason = format!("Init:{i}/{}", init.len()).into();
        }
        initializing = true;
        break;
    }
    if !initializing {
        let mut has_running = false;
        let statuses = status.container_statuses.as_deref().unwrap_or(&[]);
        for cs in statuses.iter().rev() {
            let st = cs.state.as_ref();
            if let Some(w) = st
                .and_then(|s| s.waiting.as_ref())
                .filter(|w| w.reason.as_deref().is_some_and(|r| !r.is_empty()))
            {
                reason = text(&w.reason);
                message = text(&w.message);
            } else if let Some(t) = st.and_then(|s| s.terminated.as_ref()) {
                reason = match &t.reason {
                    Some(r) if !r.is_empty() => Cow::Borrowed(r.as_str()),
                    _ => match t.signal {
                        Some(sig) if sig != 0 => format!("Signal:{sig}").into(),
                        _ => format!("ExitCode:{}", t.exit_code).into(),
                    },
                };
                message = text(&t.message);
            } else if cs.ready && st.and_then(|s| s.running.as_ref()).is_some() {
                has_running = true;
            }
        }
        if reason == "Completed" && has_running {
            reason = Cow::Borrowed("Running");
        }
    }
    if phase == "Pending" && reason == "Pending" {
        if let Some(c) = &status.unscheduled {
            reason = format!("Pending {}", c.reason.as_deref().unwrap_or("unscheduled")).into();
            message = text(&c.message);
        }
    }
    if deleting {
        reason = Cow::Borrowed(if status.reason.as_deref() == Some("NodeLost") {
            "Unknown"
        } else {
            "Terminating"
        });
    }
    (reason, message)
}

pub fn deployment_info(d: &Deployment) -> DeploymentInfo {
    let m = &d.metadata;
    let spec = Some(&d.spec);
    let st = d.status.as_ref();
    let n = |v: Option<i32>| v.unwrap_or(0);
    let progressing = st
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or(&[])
        .iter()
        .find(|c| c.type_.as_deref() == Some("Progressing"));
    DeploymentInfo {
        uid: m.uid.clone().unwrap_or_default(),
        name: m.name.clone().unwrap_or_default(),
        namespace: m.namespace.clone().unwrap_or_default(),
        desired: spec.and_then(|s| s.replicas).unwrap_or(1),
        current: n(st.and_then(|s| s.replicas)),
        updated: n(st.and_then(|s| s.updated_replicas)),
        ready: n(st.and_then(|s| s.ready_replicas)),
        available: n(st.and_then(|s| s.available_replicas)),
        generation: m.generation.unwrap_or(0),
        observed_generation: st.and_then(|s| s.observed_generation).unwrap_or(0),
        revision: revision(m),
        paused: spec.and_then(|s| s.paused).unwrap_or(false),
        stalled: progressing
            .filter(|c| c.status.as_deref() == Some("False"))
            .map(|c| c.reason.clone().unwrap_or_else(|| "not progressing".into())),
        progress_deadline_s: spec
            .and_then(|s| s.progress_deadline_seconds)
            .map(i64::from),
        progressed_at: progressing.and_then(|c| c.last_update_time.as_ref().map(secs)),
        images: spec
            .and_then(|s| s.template.spec.as_ref())
            .map(|s| images(&s.containers))
            .unwrap_or_default(),
        created: created(m),
    }
}

pub fn replicaset_info(r: &ReplicaSet) -> ReplicaSetInfo {
    let m = &r.metadata;
    ReplicaSetInfo {
        uid: m.uid.clone().unwrap_or_default(),
        name: m.name.clone().unwrap_or_default(),
        namespace: m.namespace.clone().unwrap_or_default(),
        deployment: m
            .owner_references
            .as_ref()
            .and_then(|o| o.iter().find(|r| r.controller == Some(true)))
            .filter(|r| r.kind == "Deployment")
            .map(|r| r.name.clone()),
        revision: revision(m),
        images: r
            .spec
            .template
            .as_ref()
            .and_then(|t| t.spec.as_ref())
            .map(|s| images(&s.containers))
            .unwrap_or_default(),
        created: created(m),
        change_cause: m
            .annotations
            .as_ref()
            .and_then(|a| a.get(CHANGE_CAUSE_ANNOTATION))
            .cloned(),
        replicas: r.status.as_ref().map(|s| s.replicas).unwrap_or(0),
        ready: r
            .status
            .as_ref()
            .and_then(|s| s.ready_replicas)
            .unwrap_or(0),
    }
}

pub fn node_info(n: &Node) -> NodeObject {
    let st = n.status.as_ref();
    let alloc = st.and_then(|s| s.allocatable.as_ref());
    let cap = st.and_then(|s| s.capacity.as_ref());
    let conditions = st.and_then(|s| s.conditions.as_deref()).unwrap_or(&[]);
    let cond = |t: &str| {
        conditions
            .iter()
            .find(|c| c.type_ == t)
            .map(|c| c.status == "True")
    };
    NodeObject {
        name: n.metadata.name.clone().unwrap_or_default(),
        created: created(&n.metadata),
        allocatable: Usage {
            cpu: quantity(alloc, "cpu").unwrap_or(0.0),
            memory: quantity(alloc, "memory").unwrap_or(0.0),
        },
        pods_capacity: quantity(alloc, "pods")
            .or(quantity(cap, "pods"))
            .unwrap_or(0.0) as u32,
        ready: cond("Ready"),
        memory_pressure: cond("MemoryPressure").unwrap_or(false),
        disk_pressure: cond("DiskPressure").unwrap_or(false),
        pid_pressure: cond("PIDPressure").unwrap_or(false),
        unschedulable: n
            .spec
            .as_ref()
            .and_then(|s| s.unschedulable)
            .unwrap_or(false),
        conditions: conditions
            .iter()
            .map(|c| NodeCondition {
                kind: c.type_.clone(),
                status: c.status.clone(),
                reason: c.reason.clone(),
                message: c.message.clone(),
            })
            .collect(),
    }
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
