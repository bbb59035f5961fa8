//! The part of a pod's `status` the console reads (`model::pod_info`): phase, reason,
//! the containers' readiness, restarts and states, the scheduling condition. A real
//! status also carries every container's image, image ID, container ID, start times
//! and probes' times, IPs and QoS class: as `k8s_openapi`'s `PodStatus` each is a
//! heap string or a parsed time, ~20 per pod that the first LIST of 100,000 pods made
//! and freed at once. Field names and types are `PodStatus`'s, so the model reads
//! either (`From<&PodStatus>` converts for the tests that compare both).

use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use serde::de::IgnoredAny;
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SlimPodStatus {
    pub phase: Option<String>,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub conditions: Option<Vec<SlimCondition>>,
    pub container_statuses: Option<Vec<SlimContainerStatus>>,
    pub init_container_statuses: Option<Vec<SlimContainerStatus>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SlimCondition {
    #[serde(rename = "type")]
    pub type_: String,
    pub status: String,
    pub reason: Option<String>,
    pub message: Option<String>,
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
            phase: s.phase.clone(),
            reason: s.reason.clone(),
            message: s.message.clone(),
            conditions: s.conditions.as_ref().map(|v| {
                v.iter()
                    .map(|c| SlimCondition {
                        type_: c.type_.clone(),
                        status: c.status.clone(),
                        reason: c.reason.clone(),
                        message: c.message.clone(),
                    })
                    .collect()
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
