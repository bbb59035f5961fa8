//! One stored API object: its JSON, encoded once per change, which is what LIST, GET and
//! WATCH send as is; and the handful of fields the controllers, selectors and metrics read
//! on every pass over the store. A `serde_json::Value` tree of a pod costs ~40 KB (a B-tree
//! node per small JSON object, and managedFields has dozens), its encoding ~4 KB: keeping
//! only the encoding lets 100,000 pods fit in a few hundred MB, and the tree is parsed
//! again only when a handler needs to change or inspect the whole object.

use crate::util::{controller_uid, name_of, ns_of, parse_quantity, str_at, uid_of};
use bytes::Bytes;
use serde_json::Value;

/// A container's resource requests, as metrics-server's synthetic usage needs them.
pub struct ContainerRequests {
    pub name: String,
    pub cpu: Option<f64>,
    pub memory: Option<f64>,
}

pub struct StoredObject {
    /// The object's JSON exactly as served.
    pub json: Bytes,
    pub resource_version: u64,
    pub namespace: String,
    pub name: String,
    pub uid: String,
    /// String-valued labels, in key order.
    pub labels: Vec<(String, String)>,
    pub controller_uid: Option<String>,
    /// `metadata.deletionTimestamp` is set.
    pub terminating: bool,
    pub node_name: String,
    pub phase: String,
    /// Nodes: the Ready condition is True and `spec.unschedulable` is not.
    pub schedulable: bool,
    /// Nodes: the InternalIP address.
    pub internal_ip: String,
    /// Pods: `spec.containers` requests.
    pub containers: Vec<ContainerRequests>,
}

impl StoredObject {
    pub fn new(obj: &Value, resource_version: u64) -> StoredObject {
        // Serializing a Value cannot fail: its map keys are strings.
        let json = Bytes::from(serde_json::to_vec(obj).unwrap_or_default());
        let labels = obj
            .pointer("/metadata/labels")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect();
        let ready = obj
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .is_some_and(|c| {
                c.iter()
                    .any(|c| c["type"] == "Ready" && c["status"] == "True")
            });
        let unschedulable = obj.pointer("/spec/unschedulable").and_then(Value::as_bool);
        let internal_ip = obj
            .pointer("/status/addresses")
            .and_then(Value::as_array)
            .and_then(|a| a.iter().find(|x| x["type"] == "InternalIP"))
            .map(|x| str_at(x, &["address"]).to_string())
            .unwrap_or_default();
        let containers = obj
            .pointer("/spec/containers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|c| {
                let request = |k: &str| parse_quantity(str_at(c, &["resources", "requests", k]));
                ContainerRequests {
                    name: str_at(c, &["name"]).to_string(),
                    cpu: request("cpu"),
                    memory: request("memory"),
                }
            })
            .collect();
        StoredObject {
            json,
            resource_version,
            namespace: ns_of(obj).to_string(),
            name: name_of(obj).to_string(),
            uid: uid_of(obj).to_string(),
            labels,
            controller_uid: controller_uid(obj).map(String::from),
            terminating: obj.pointer("/metadata/deletionTimestamp").is_some(),
            node_name: str_at(obj, &["spec", "nodeName"]).to_string(),
            phase: str_at(obj, &["status", "phase"]).to_string(),
            schedulable: ready && unschedulable != Some(true),
            internal_ip,
            containers,
        }
    }

    /// The full object, parsed from its encoding.
    pub fn value(&self) -> Value {
        // The encoding was produced from a Value, so it parses back.
        serde_json::from_slice(&self.json).unwrap_or(Value::Null)
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The value of an indexed field path, `None` when `path` is not indexed.
    pub fn indexed_field(&self, path: &str) -> Option<&str> {
        match path {
            "metadata.name" => Some(&self.name),
            "metadata.namespace" => Some(&self.namespace),
            "spec.nodeName" => Some(&self.node_name),
            "status.phase" => Some(&self.phase),
            _ => None,
        }
    }

    /// `{"type":ETYPE,"object":OBJECT}` plus a newline, from the cached encoding.
    pub fn watch_line(&self, etype: &str) -> Bytes {
        let mut line = Vec::with_capacity(self.json.len() + etype.len() + 24);
        line.extend_from_slice(br#"{"type":""#);
        line.extend_from_slice(etype.as_bytes());
        line.extend_from_slice(br#"","object":"#);
        line.extend_from_slice(&self.json);
        line.extend_from_slice(b"}\n");
        Bytes::from(line)
    }
}
