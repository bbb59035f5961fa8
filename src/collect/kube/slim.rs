//! The part of each watched object the console decodes. serde skips every other
//! field while parsing, so what a real API server sends beyond it (full container
//! specs, volumes, probes, `managedFields`) never becomes a heap allocation.

use k8s_openapi::api::core::v1::{Pod, ResourceRequirements};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
use serde::{Deserialize, Deserializer};

pub use super::slim_status::SlimPodStatus;

/// The part of a Pod the console reads. The watch deserializes into this instead of
/// `k8s_openapi::Pod`, whose spec (every container field, volumes, probes…) is
/// several KB per pod even when sparse: 5,000 pods listed at once then cost a
/// fraction of the memory and CPU. Unknown fields are skipped by serde.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SlimPod {
    #[serde(default, deserialize_with = "slim_meta")]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: Option<SlimPodSpec>,
    #[serde(default)]
    pub status: Option<SlimPodStatus>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlimPodSpec {
    #[serde(default)]
    pub node_name: Option<String>,
    #[serde(default)]
    pub containers: Vec<SlimContainer>,
}

/// A container as the pods pane counts it: its requests and limits (its name and
/// image are not shown for pods; logs and diagnostics read the full pod).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SlimContainer {
    #[serde(default)]
    pub resources: Option<SlimResources>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SlimResources {
    pub limits: Option<CpuMemory>,
    pub requests: Option<CpuMemory>,
}

/// CPU and memory of a request or a limit: the other resources (ephemeral storage,
/// huge pages, devices) are skipped, and no map of names is made.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CpuMemory {
    pub cpu: Option<Quantity>,
    pub memory: Option<Quantity>,
}

impl CpuMemory {
    fn of(map: Option<&std::collections::BTreeMap<String, Quantity>>) -> Option<Self> {
        map.map(|m| CpuMemory {
            cpu: m.get("cpu").cloned(),
            memory: m.get("memory").cloned(),
        })
    }
}

impl From<&ResourceRequirements> for SlimResources {
    fn from(r: &ResourceRequirements) -> Self {
        SlimResources {
            limits: CpuMemory::of(r.limits.as_ref()),
            requests: CpuMemory::of(r.requests.as_ref()),
        }
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
                &self.metadata
            }
            fn metadata_mut(&mut self) -> &mut Self::Ty {
                &mut self.metadata
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
            metadata: p.metadata.clone(),
            spec: p.spec.as_ref().map(|s| SlimPodSpec {
                node_name: s.node_name.clone(),
                containers: s
                    .containers
                    .iter()
                    .map(|c| SlimContainer {
                        resources: c.resources.as_ref().map(SlimResources::from),
                    })
                    .collect(),
            }),
            status: p.status.as_ref().map(SlimPodStatus::from),
        }
    }
}

/// Object metadata without `managedFields` — a JSON tree per object, often the
/// largest part of a pod a real API server sends (kube-sim sends it too) — and
/// without labels and annotations, which the console does not read for pods.
/// `resourceVersion` is kept: the watcher resumes from it.
fn slim_meta<'de, D: Deserializer<'de>>(d: D) -> Result<ObjectMeta, D::Error> {
    #[derive(Deserialize, Default)]
    #[serde(rename_all = "camelCase", default)]
    struct Meta {
        name: Option<String>,
        namespace: Option<String>,
        uid: Option<String>,
        resource_version: Option<String>,
        creation_timestamp: Option<Time>,
        deletion_timestamp: Option<Time>,
        owner_references: Option<Vec<Owner>>,
    }
    /// What the pods pane reads of an owner: which controller (its apiVersion and uid
    /// are not kept).
    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct Owner {
        kind: String,
        name: String,
        controller: Option<bool>,
    }
    let m = Meta::deserialize(d)?;
    let owner_references = m.owner_references.map(|owners| {
        owners
            .into_iter()
            .map(|o| OwnerReference {
                kind: o.kind,
                name: o.name,
                controller: o.controller,
                ..OwnerReference::default()
            })
            .collect()
    });
    Ok(ObjectMeta {
        name: m.name,
        namespace: m.namespace,
        uid: m.uid,
        resource_version: m.resource_version,
        creation_timestamp: m.creation_timestamp,
        deletion_timestamp: m.deletion_timestamp,
        owner_references,
        ..ObjectMeta::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managed_fields_and_labels_are_not_kept() {
        let pod: SlimPod = serde_json::from_value(serde_json::json!({
            "metadata": {
                "name": "kitops-backend-1", "namespace": "kitops", "uid": "u1",
                "resourceVersion": "42",
                "labels": {"app": "kitops-backend"},
                "managedFields": [{"manager": "kubelet", "fieldsType": "FieldsV1",
                                   "fieldsV1": {"f:status": {"f:phase": {}}}}],
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                     "name": "kitops-backend-7d9f", "uid": "rs1", "controller": true}]
            }
        }))
        .expect("pod decodes");
        let m = &pod.metadata;
        assert_eq!(m.name.as_deref(), Some("kitops-backend-1"));
        assert_eq!(m.resource_version.as_deref(), Some("42"));
        assert_eq!(m.owner_references.as_ref().map(Vec::len), Some(1));
        assert!(m.managed_fields.is_none());
        assert!(m.labels.is_none());
    }
}
