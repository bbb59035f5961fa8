//! The part of each watched object the console decodes, decoded straight into the
//! form it keeps. serde skips every other field while parsing, so what a real API
//! server sends beyond it (full container specs, volumes, probes, `managedFields`)
//! never becomes a heap allocation; and of what is read, the repeated texts become
//! `SharedText`s and the quantities numbers as they are read (`slim_text`), without a
//! `String` made and freed for each.

use k8s_openapi::api::core::v1::{Container, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use serde::de::{SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::model::{parse_quantity, Resources};
use super::shared_text::SharedText;
use super::slim_text::{first_of, Amount, Text};

pub use super::slim_status::SlimPodStatus;

/// The part of a Pod the console reads. The watch deserializes into this instead of
/// `k8s_openapi::Pod`, whose spec (every container field, volumes, probes…) is
/// several KB per pod even when sparse: 5,000 pods listed at once then cost a
/// fraction of the memory and CPU. Unknown fields are skipped by serde; a `null`
/// part reads as an absent one.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SlimPod {
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: SlimMeta,
    #[serde(default, deserialize_with = "null_as_default")]
    pub spec: SlimPodSpec,
    #[serde(default)]
    pub status: Option<SlimPodStatus>,
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Object metadata without `managedFields` — a JSON tree per object, often the
/// largest part of a pod a real API server sends (kube-sim sends it too) — and
/// without labels and annotations, which the console does not read for pods.
/// `object` holds what the watcher and the store read (`resourceVersion`: the watcher
/// resumes from it); of the owners only the controlling ReplicaSet's name is kept.
#[derive(Debug, Clone, Default)]
pub struct SlimMeta {
    pub object: ObjectMeta,
    pub replicaset: Option<SharedText>,
}

impl<'de> Deserialize<'de> for SlimMeta {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize, Default)]
        #[serde(rename_all = "camelCase", default)]
        struct Meta {
            name: Option<String>,
            namespace: Option<String>,
            uid: Option<String>,
            resource_version: Option<String>,
            creation_timestamp: Option<Time>,
            deletion_timestamp: Option<Time>,
            owner_references: Option<ControllerOwner>,
        }
        let m = Meta::deserialize(d)?;
        Ok(SlimMeta {
            object: ObjectMeta {
                name: m.name,
                namespace: m.namespace,
                uid: m.uid,
                resource_version: m.resource_version,
                creation_timestamp: m.creation_timestamp,
                deletion_timestamp: m.deletion_timestamp,
                ..ObjectMeta::default()
            },
            replicaset: m.owner_references.and_then(|o| o.0),
        })
    }
}

impl From<&ObjectMeta> for SlimMeta {
    fn from(m: &ObjectMeta) -> Self {
        let controller = m
            .owner_references
            .as_deref()
            .unwrap_or(&[])
            .iter()
            .find(|o| o.controller == Some(true));
        SlimMeta {
            object: ObjectMeta {
                name: m.name.clone(),
                namespace: m.namespace.clone(),
                uid: m.uid.clone(),
                resource_version: m.resource_version.clone(),
                creation_timestamp: m.creation_timestamp.clone(),
                deletion_timestamp: m.deletion_timestamp.clone(),
                ..ObjectMeta::default()
            },
            replicaset: controller.and_then(|o| replicaset(&o.kind, &o.name)),
        }
    }
}

/// The pods pane's owner: the controller's name when the controller is a ReplicaSet.
fn replicaset(kind: &str, name: &str) -> Option<SharedText> {
    (kind == "ReplicaSet").then(|| SharedText::new(name))
}

/// `ownerReferences` read down to the first controller's name, if a ReplicaSet (see
/// `OwnerReference`: its apiVersion and uid are not kept).
struct ControllerOwner(Option<SharedText>);

impl<'de> Deserialize<'de> for ControllerOwner {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct Owner<'a> {
            #[serde(borrow)]
            kind: Text<'a>,
            #[serde(borrow)]
            name: Text<'a>,
            controller: Option<bool>,
        }
        // The first controller decides: a controller that is no ReplicaSet means none.
        let first = first_of(d, "a list of owners", |o: Owner| {
            (o.controller == Some(true)).then(|| replicaset(&o.kind, &o.name))
        })?;
        Ok(ControllerOwner(first.flatten()))
    }
}

/// What the pods pane reads of a spec: the node, and the containers' count and
/// summed requests and limits (their names and images are not shown for pods; logs
/// and diagnostics read the full pod).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SlimPodSpec {
    pub node_name: Option<SharedText>,
    #[serde(deserialize_with = "null_as_default")]
    pub containers: Containers,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Containers {
    pub count: u32,
    pub requests: Resources,
    pub limits: Resources,
}

impl<'de> Deserialize<'de> for Containers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// A container as the pods pane counts it: its requests and limits.
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct Container {
            resources: Option<ResourcesOf>,
        }
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct ResourcesOf {
            limits: Option<CpuMemory>,
            requests: Option<CpuMemory>,
        }
        /// CPU and memory of a request or a limit: the other resources (ephemeral
        /// storage, huge pages, devices) are skipped, and no map of names is made.
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct CpuMemory {
            cpu: Option<Amount>,
            memory: Option<Amount>,
        }
        fn amounts(m: Option<CpuMemory>) -> (Option<f64>, Option<f64>) {
            let m = m.unwrap_or_default();
            (m.cpu.and_then(|a| a.0), m.memory.and_then(|a| a.0))
        }
        struct Seq;
        impl<'de> Visitor<'de> for Seq {
            type Value = Containers;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of containers")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Containers, A::Error> {
                let mut sums = Sums::default();
                while let Some(c) = seq.next_element::<Container>()? {
                    let r = c.resources.unwrap_or_default();
                    sums.add(amounts(r.requests), amounts(r.limits));
                }
                Ok(sums.total())
            }
        }
        d.deserialize_seq(Seq)
    }
}

/// Containers' requests and limits added up as `kubectl describe node` does.
struct Sums {
    count: u32,
    requests: (Option<f64>, Option<f64>),
    limits: (Option<f64>, Option<f64>),
}

impl Default for Sums {
    fn default() -> Self {
        Self {
            count: 0,
            requests: (Some(0.0), Some(0.0)),
            limits: (Some(0.0), Some(0.0)),
        }
    }
}

impl Sums {
    /// One container's (cpu, memory) requests and limits.
    fn add(&mut self, requests: (Option<f64>, Option<f64>), limits: (Option<f64>, Option<f64>)) {
        // A missing request counts as 0; a missing limit makes the pod unbounded.
        let request = |acc: Option<f64>, v: Option<f64>| acc.map(|a| v.map_or(a, |v| a + v));
        let limit = |acc: Option<f64>, v: Option<f64>| Some(acc? + v?);
        self.requests = (
            request(self.requests.0, requests.0),
            request(self.requests.1, requests.1),
        );
        self.limits = (
            limit(self.limits.0, limits.0),
            limit(self.limits.1, limits.1),
        );
        self.count = self.count.saturating_add(1);
    }

    fn total(self) -> Containers {
        // A request of 0 means "none"; so does a limit of a pod without containers.
        let positive = |(cpu, memory): (Option<f64>, Option<f64>)| Resources {
            cpu: cpu.filter(|v| *v > 0.0),
            memory: memory.filter(|v| *v > 0.0),
        };
        let limits = if self.count == 0 {
            positive(self.limits)
        } else {
            Resources {
                cpu: self.limits.0,
                memory: self.limits.1,
            }
        };
        Containers {
            count: self.count,
            requests: positive(self.requests),
            limits,
        }
    }
}

impl From<&[Container]> for Containers {
    fn from(containers: &[Container]) -> Self {
        let mut sums = Sums::default();
        for c in containers {
            let r = c.resources.as_ref();
            let amounts = |map: Option<&std::collections::BTreeMap<String, _>>| {
                let of = |k: &str| {
                    map.and_then(|m| m.get(k)).and_then(
                        |q: &k8s_openapi::apimachinery::pkg::api::resource::Quantity| {
                            parse_quantity(&q.0)
                        },
                    )
                };
                (of("cpu"), of("memory"))
            };
            sums.add(
                amounts(r.and_then(|r| r.requests.as_ref())),
                amounts(r.and_then(|r| r.limits.as_ref())),
            );
        }
        sums.total()
    }
}

/// `k8s_openapi::Resource` + `Metadata` for a slim decoding type, so `Api<T>` lists
/// and watches it like the full object.
macro_rules! slim_resource {
    ($ty:ty, $api_version:literal, $group:literal, $version:literal, $kind:literal, $plural:literal, $scope:ty) => {
        impl k8s_openapi::Resource for $ty {
            const API_VERSION: &'static str = $api_version;
            const GROUP: &'static str = $group;
            const KIND: &'static str = $kind;
            const VERSION: &'static str = $version;
            const URL_PATH_SEGMENT: &'static str = $plural;
            type Scope = $scope;
        }

        impl k8s_openapi::Metadata for $ty {
            type Ty = k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
            fn metadata(&self) -> &Self::Ty {
                &self.metadata.object
            }
            fn metadata_mut(&mut self) -> &mut Self::Ty {
                &mut self.metadata.object
            }
        }
    };
}

slim_resource!(
    SlimPod,
    "v1",
    "",
    "v1",
    "Pod",
    "pods",
    k8s_openapi::NamespaceResourceScope
);

impl From<&Pod> for SlimPod {
    fn from(p: &Pod) -> Self {
        SlimPod {
            metadata: SlimMeta::from(&p.metadata),
            spec: p
                .spec
                .as_ref()
                .map(|s| SlimPodSpec {
                    node_name: s.node_name.as_deref().map(SharedText::new),
                    containers: Containers::from(s.containers.as_slice()),
                })
                .unwrap_or_default(),
            status: p.status.as_ref().map(SlimPodStatus::from),
        }
    }
}

#[cfg(test)]
#[path = "slim_tests.rs"]
mod tests;
