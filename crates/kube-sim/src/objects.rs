//! Builders for API objects and rendering of simulated pod status.

use crate::store::{Fault, PodSim};
use crate::util::{fmt_time, now_rfc3339, str_at};
use serde_json::{json, Value};

pub const REVISION: &str = "deployment.kubernetes.io/revision";
pub const HASH_LABEL: &str = "pod-template-hash";

pub fn namespace(name: &str, uid: String) -> Value {
    json!({"metadata":{"name":name,"uid":uid,"creationTimestamp":now_rfc3339(),
        "labels":{"kubernetes.io/metadata.name":name}},
        "spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active"}})
}

pub fn node(name: &str, uid: String, idx: usize, cpu: u32, mem_gi: u32) -> Value {
    let zone = ["a", "b", "c"][idx % 3];
    let mem_ki = mem_gi as u64 * 1024 * 1024;
    let alloc_ki = mem_ki - 700 * 1024;
    let ts = now_rfc3339();
    let cond = |t: &str, s: &str, reason: &str, msg: &str| {
        json!({"type":t,"status":s,"reason":reason,"message":msg,
            "lastHeartbeatTime":ts,"lastTransitionTime":ts})
    };
    json!({
        "metadata":{"name":name,"uid":uid,"creationTimestamp":ts,
            "labels":{"kubernetes.io/hostname":name,"kubernetes.io/os":"linux",
                "kubernetes.io/arch":"amd64","node.kubernetes.io/instance-type":"m6i.2xlarge",
                "topology.kubernetes.io/zone":format!("eu-west-1{zone}")}},
        "spec":{"podCIDR":format!("10.244.{idx}.0/24"),"providerID":format!("aws:///eu-west-1{zone}/i-0{idx:016x}")},
        "status":{
            "capacity":{"cpu":cpu.to_string(),"memory":format!("{mem_ki}Ki"),"pods":"110","ephemeral-storage":"104845292Ki"},
            "allocatable":{"cpu":format!("{}m", cpu * 1000 - 100),"memory":format!("{alloc_ki}Ki"),"pods":"110","ephemeral-storage":"95551679124"},
            "conditions":[
                cond("MemoryPressure","False","KubeletHasSufficientMemory","kubelet has sufficient memory available"),
                cond("DiskPressure","False","KubeletHasNoDiskPressure","kubelet has no disk pressure"),
                cond("PIDPressure","False","KubeletHasSufficientPID","kubelet has sufficient PID available"),
                cond("Ready","True","KubeletReady","kubelet is posting ready status"),
            ],
            "addresses":[{"type":"InternalIP","address":format!("10.0.{}.{}", idx / 250, idx % 250 + 10)},
                {"type":"Hostname","address":name}],
            "nodeInfo":{"kubeletVersion":"v1.32.4","kubeProxyVersion":"v1.32.4","osImage":"Amazon Linux 2023",
                "containerRuntimeVersion":"containerd://1.7.27","kernelVersion":"6.1.130",
                "architecture":"amd64","operatingSystem":"linux","machineID":"","systemUUID":"","bootID":""}
        }
    })
}

/// Pod template of a seeded deployment.
pub fn pod_template(
    app: &str,
    container: &str,
    image: &str,
    req: (&str, &str),
    lim: (&str, &str),
) -> Value {
    json!({
        "metadata":{"labels":{"app":app,"app.kubernetes.io/part-of":"kitops"}},
        "spec":{
            "containers":[{"name":container,"image":image,
                "ports":[{"containerPort":8080,"name":"http","protocol":"TCP"}],
                "resources":{"requests":{"cpu":req.0,"memory":req.1},"limits":{"cpu":lim.0,"memory":lim.1}},
                "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File",
                "imagePullPolicy":"IfNotPresent"}],
            "restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst",
            "schedulerName":"default-scheduler","securityContext":{}
        }
    })
}

pub fn deployment(ns: &str, name: &str, uid: String, replicas: i64, template: Value) -> Value {
    json!({
        "metadata":{"name":name,"namespace":ns,"uid":uid,"creationTimestamp":now_rfc3339(),
            "generation":1,"labels":{"app":name},"annotations":{}},
        "spec":{"replicas":replicas,"selector":{"matchLabels":{"app":name}},"template":template,
            "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"}},
            "revisionHistoryLimit":10,"progressDeadlineSeconds":600},
        "status":{}
    })
}

pub fn owner_ref(kind: &str, api_version: &str, owner: &Value) -> Value {
    json!([{"apiVersion":api_version,"kind":kind,"name":str_at(owner,&["metadata","name"]),
        "uid":str_at(owner,&["metadata","uid"]),"controller":true,"blockOwnerDeletion":true}])
}

fn container_state(sim: &PodSim, image: &str) -> (Value, bool) {
    match (sim.fault, sim.started) {
        (Some(Fault::CrashLoopBackOff), _) => (
            json!({"waiting":{"reason":"CrashLoopBackOff",
                "message":"back-off 5m0s restarting failed container"}}),
            false,
        ),
        (Some(Fault::ImagePullBackOff), _) => (
            json!({"waiting":{"reason":"ImagePullBackOff",
                "message":format!("Back-off pulling image \"{image}\"")}}),
            false,
        ),
        (_, Some(t)) => (json!({"running":{"startedAt":fmt_time(t, false)}}), true),
        _ => (json!({"waiting":{"reason":"ContainerCreating"}}), false),
    }
}

/// Render `status` (and `spec.nodeName`) of a pod from its simulation state.
pub fn render_pod(pod: &mut Value, sim: &PodSim, node: Option<(&str, &str)>) {
    let created = fmt_time(sim.created, false);
    if sim.fault == Some(Fault::Unschedulable) || node.is_none() {
        if let Some(spec) = pod["spec"].as_object_mut() {
            spec.remove("nodeName");
        }
        pod["status"] = json!({"phase":"Pending","qosClass":"Burstable","conditions":[
            {"type":"PodScheduled","status":"False","reason":"Unschedulable","lastProbeTime":null,
             "lastTransitionTime":created,
             "message":"0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."}]});
        return;
    }
    let (node_name, host_ip) = node.unwrap_or_default();
    pod["spec"]["nodeName"] = json!(node_name);
    let containers = pod["spec"]["containers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut all_ready = true;
    let statuses: Vec<Value> = containers
        .iter()
        .map(|c| {
            let image = str_at(c, &["image"]);
            let (state, ready) = container_state(sim, image);
            all_ready &= ready;
            let last = match &sim.last_term {
                Some((reason, code, at)) => json!({"terminated":{"exitCode":code,"reason":reason,
                    "startedAt":created,"finishedAt":fmt_time(*at,false),
                    "containerID":format!("containerd://{:064x}", code)}}),
                None => json!({}),
            };
            json!({"name":str_at(c,&["name"]),"image":image,"imageID":format!("{image}@sha256:{:064x}", image.len()),
                "containerID":format!("containerd://{}", sim.ip.replace('.', "")),
                "ready":ready,"started":sim.started.is_some() && ready,"restartCount":sim.restarts,
                "state":state,"lastState":last})
        })
        .collect();
    let running = sim.started.is_some() && sim.fault != Some(Fault::ImagePullBackOff);
    let phase = if running { "Running" } else { "Pending" };
    let b = |x: bool| if x { "True" } else { "False" };
    let ready = all_ready && sim.delete_at.is_none();
    let mut conds = vec![
        json!({"type":"PodReadyToStartContainers","status":b(running)}),
        json!({"type":"Initialized","status":"True"}),
        json!({"type":"Ready","status":b(ready)}),
        json!({"type":"ContainersReady","status":b(all_ready)}),
        json!({"type":"PodScheduled","status":"True"}),
    ];
    for c in &mut conds {
        c["lastProbeTime"] = Value::Null;
        c["lastTransitionTime"] = json!(created);
        if c["status"] == "False" && (c["type"] == "Ready" || c["type"] == "ContainersReady") {
            c["reason"] = json!("ContainersNotReady");
        }
    }
    pod["status"] = json!({"phase":phase,"conditions":conds,"hostIP":host_ip,"hostIPs":[{"ip":host_ip}],
        "podIP":sim.ip,"podIPs":[{"ip":sim.ip}],"startTime":created,
        "containerStatuses":statuses,"qosClass":"Burstable"});
}

/// A core/v1 Event about a pod, as the kubelet or the scheduler records it.
pub fn pod_event(
    pod: &Value,
    uid: String,
    (event_type, reason, message): (&str, &str, &str),
    count: u32,
) -> Value {
    let now = now_rfc3339();
    let ns = str_at(pod, &["metadata", "namespace"]);
    let name = str_at(pod, &["metadata", "name"]);
    let node = str_at(pod, &["spec", "nodeName"]);
    let component = if reason == "FailedScheduling" {
        "default-scheduler"
    } else {
        "kubelet"
    };
    json!({
        "metadata":{"name":format!("{name}.{}", &uid[..8]),"namespace":ns,"uid":uid,"creationTimestamp":now},
        "involvedObject":{"kind":"Pod","namespace":ns,"name":name,"apiVersion":"v1",
            "uid":str_at(pod, &["metadata", "uid"])},
        "reason":reason,"message":message,"type":event_type,"count":count,
        "firstTimestamp":now,"lastTimestamp":now,
        "source":{"component":component,"host":node},"reportingComponent":component,"reportingInstance":node
    })
}
