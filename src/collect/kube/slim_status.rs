//! The part of a pod's `status` the console reads (`model::pod_info`): phase, reason,
//! the containers' readiness, restarts and states, the scheduling condition. A real
//! status also carries every container's image, image ID, container ID, start times
//! and probes' times, IPs and QoS class: as `k8s_openapi`'s `PodStatus` each is a
//! heap string or a parsed time, ~20 per pod that the first LIST of 100,000 pods made
//! and freed at once. Field names and types follow `PodStatus`'s, so the model reads
//! either (`From<&PodStatus>` converts for the tests that compare both).

use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer};

use super::shared_text::SharedText;
use super::slim_text::{first_of, Text};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SlimPodStatus {
    /// Shared: 100,000 pods have a handful of phases.
    pub phase: Option<SharedText>,
    pub reason: Option<String>,
    pub message: Option<String>,
    /// Of the conditions, the first `PodScheduled=False` (why the pod waits for a
    /// node): the others are read past.
    #[serde(rename = "conditions", deserialize_with = "first_unscheduled")]
    pub unscheduled: Option<Unscheduled>,
    pub container_statuses: Option<Vec<SlimContainerStatus>>,
    pub init_container_statuses: Option<Vec<SlimContainerStatus>>,
}

/// The scheduler's verdict on a pod no node was found for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Unscheduled {
    pub reason: Option<String>,
    pub message: Option<String>,
}

impl Unscheduled {
    fn of(type_: &str, status: &str, reason: Option<&str>, message: Option<&str>) -> Option<Self> {
        (type_ == "PodScheduled" && status == "False").then(|| Unscheduled {
            reason: reason.map(str::to_owned),
            message: message.map(str::to_owned),
        })
    }
}

fn first_unscheduled<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Unscheduled>, D::Error> {
    Ok(Option::<Conditions>::deserialize(d)?.and_then(|c| c.0))
}

/// A `conditions` list, read down to its first `PodScheduled=False`.
struct Conditions(Option<Unscheduled>);

impl<'de> Deserialize<'de> for Conditions {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct Condition<'a> {
            #[serde(rename = "type", borrow)]
            type_: Text<'a>,
            #[serde(borrow)]
            status: Text<'a>,
            #[serde(borrow)]
            reason: Option<Text<'a>>,
            #[serde(borrow)]
            message: Option<Text<'a>>,
        }
        let first = first_of(d, "a list of conditions", |c: Condition| {
            Unscheduled::of(
                &c.type_,
                &c.status,
                c.reason.as_deref(),
                c.message.as_deref(),
            )
        })?;
        Ok(Conditions(first))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SlimContainerStatus {
    pub ready: bool,
    pub restart_count: i32,
    pub state: Option<SlimContainerState>,
    pub last_state: Option<SlimContainerState>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SlimContainerState {
    /// Only whether it is there: when the container started is not shown.
    pub running: Option<Running>,
    pub waiting: Option<SlimWaiting>,
    pub terminated: Option<SlimTerminated>,
}

/// A `running` state, its fields skipped.
#[derive(Debug, Clone, Default)]
pub struct Running;

impl<'de> Deserialize<'de> for Running {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(d).map(|_| Running)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SlimWaiting {
    pub reason: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SlimTerminated {
    pub exit_code: i32,
    pub signal: Option<i32>,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub finished_at: Option<Time>,
}

impl From<&core::PodStatus> for SlimPodStatus {
    fn from(s: &core::PodStatus) -> Self {
        let containers = |v: &Option<Vec<core::ContainerStatus>>| {
            v.as_ref()
                .map(|v| v.iter().map(SlimContainerStatus::from).collect())
        };
        SlimPodStatus {
            phase: s.phase.as_deref().map(SharedText::new),
            reason: s.reason.clone(),
            message: s.message.clone(),
            unscheduled: s.conditions.as_deref().unwrap_or(&[]).iter().find_map(|c| {
                Unscheduled::of(
                    &c.type_,
                    &c.status,
                    c.reason.as_deref(),
                    c.message.as_deref(),
                )
            }),
            container_statuses: containers(&s.container_statuses),
            init_container_statuses: containers(&s.init_container_statuses),
        }
    }
}

impl From<&core::ContainerStatus> for SlimContainerStatus {
    fn from(c: &core::ContainerStatus) -> Self {
        SlimContainerStatus {
            ready: c.ready,
            restart_count: c.restart_count,
            state: c.state.as_ref().map(SlimContainerState::from),
            last_state: c.last_state.as_ref().map(SlimContainerState::from),
        }
    }
}

impl From<&core::ContainerState> for SlimContainerState {
    fn from(s: &core::ContainerState) -> Self {
        SlimContainerState {
            running: s.running.as_ref().map(|_| Running),
            waiting: s.waiting.as_ref().map(|w| SlimWaiting {
                reason: w.reason.clone(),
                message: w.message.clone(),
            }),
            terminated: s.terminated.as_ref().map(|t| SlimTerminated {
                exit_code: t.exit_code,
                signal: t.signal,
                reason: t.reason.clone(),
                message: t.message.clone(),
                finished_at: t.finished_at.clone(),
            }),
        }
    }
}
