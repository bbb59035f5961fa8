//! Runs Kubernetes actions: each mutation first as a server-side dry run
//! (`dryRun=All`), then for real. Errors become one clear line
//! ("forbidden: patch deployments in kitops", "pod already gone (uid changed)").

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, Preconditions};
use serde_json::json;

use crate::app::action::{KubeAction, Outcome};
use crate::collect::kube::client::{connect, describe_error, is_status, Conn};
use crate::collect::kube::model::REVISION_ANNOTATION;
use crate::config::KubeSettings;

/// Every Kubernetes API request the executor makes (dry runs use the same verbs), named
/// as `collect::kube::KUBE_API_CALLS`. `assets/rbac/kitops-top-operator.yaml` grants
/// those the watch role lacks (tested).
pub const KUBE_API_CALLS: &[&str] = &[
    "get deployments.apps",
    "patch deployments.apps",
    "patch deployments.apps/scale",
    "delete pods",
    "list replicasets.apps",
];

const FIELD_MANAGER: &str = "kitops-top";
const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";
const HASH_LABEL: &str = "pod-template-hash";

/// Annotations `kubectl rollout undo` does not copy from the ReplicaSet.
const SKIP_ANNOTATIONS: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION_ANNOTATION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
];

pub struct KubeActions {
    settings: KubeSettings,
    conn: Option<Conn>,
}

/// Which passes a mutation makes: each entry is one request, `true` = `dryRun=All`.
type Passes = &'static [bool];
const DRY_RUN_THEN_APPLY: Passes = &[true, false];
const DRY_RUN_ONLY: Passes = &[true];

/// The success message, or the dry run's verdict when nothing was applied.
fn finish(passes: Passes, done: String) -> Outcome {
    if passes.contains(&false) {
        Outcome::Done(done)
    } else {
        Outcome::Done(
            "accepted by the API server (server-side dry run; nothing changed yet)".into(),
        )
    }
}

/// A failed step: the outcome to report.
type Step<T> = Result<T, Outcome>;

fn failed(e: &kube::Error, verb: &str, resource: &str, ns: &str, dry_run: bool) -> Outcome {
    let msg = describe_error(e, verb, resource, Some(ns));
    if dry_run {
        Outcome::Failed(format!("{msg} (server-side dry run; nothing changed)"))
    } else {
        Outcome::Failed(msg)
    }
}

fn patch_params(dry_run: bool) -> PatchParams {
    PatchParams {
        field_manager: Some(FIELD_MANAGER.into()),
        dry_run,
        ..PatchParams::default()
    }
}

impl KubeActions {
    pub fn new(settings: KubeSettings) -> Self {
        Self {
            settings,
            conn: None,
        }
    }

    async fn client(&mut self) -> Step<kube::Client> {
        if let Some(c) = &self.conn {
            return Ok(c.client.clone());
        }
        let conn = connect(&self.settings)
            .await
            .map_err(|e| Outcome::Failed(format!("kubernetes: {e}")))?;
        let client = conn.client.clone();
        self.conn = Some(conn);
        Ok(client)
    }

    pub async fn execute(&mut self, action: &KubeAction) -> Outcome {
        self.run(action, DRY_RUN_THEN_APPLY).await
    }

    /// Server-side dry run only: what the API server says before the dialog is answered.
    pub async fn validate(&mut self, action: &KubeAction) -> Outcome {
        self.run(action, DRY_RUN_ONLY).await
    }

    async fn run(&mut self, action: &KubeAction, passes: Passes) -> Outcome {
        let client = match self.client().await {
            Ok(c) => c,
            Err(o) => return o,
        };
        let result = match action {
            KubeAction::RolloutRestart {
                namespace,
                deployment,
            } => restart(client, namespace, deployment, passes).await,
            KubeAction::DeletePod {
                namespace,
                name,
                uid,
                force,
            } => delete_pod(client, namespace, name, uid, *force, passes).await,
            KubeAction::Scale {
                namespace,
                deployment,
                from,
                to,
            } => scale(client, namespace, deployment, (*from, *to), passes).await,
            KubeAction::RolloutUndo {
                namespace,
                deployment,
                to_revision,
                ..
            } => undo(client, namespace, deployment, *to_revision, passes).await,
            KubeAction::SetImage {
                namespace,
                deployment,
                from,
                to,
            } => set_image(client, namespace, deployment, (from, to), passes).await,
        };
        result.unwrap_or_else(|o| o)
    }
}

async fn restart(client: kube::Client, ns: &str, name: &str, passes: Passes) -> Step<Outcome> {
    let api: Api<Deployment> = Api::namespaced(client, ns);
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let patch = json!({"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: now}}}}});
    for &dry_run in passes {
        api.patch(name, &patch_params(dry_run), &Patch::Strategic(&patch))
            .await
            .map_err(|e| not_found_or(e, "patch", "deployments", ns, name, dry_run))?;
    }
    Ok(finish(passes, format!("deployment/{name} restarted")))
}

fn not_found_or(
    e: kube::Error,
    verb: &str,
    resource: &str,
    ns: &str,
    name: &str,
    dry_run: bool,
) -> Outcome {
    if is_status(&e, 404) {
        Outcome::Refused(format!("{resource}/{name} not found in {ns}"))
    } else {
        failed(&e, verb, resource, ns, dry_run)
    }
}

async fn delete_pod(
    client: kube::Client,
    ns: &str,
    name: &str,
    uid: &str,
    force: bool,
    passes: Passes,
) -> Step<Outcome> {
    let api: Api<Pod> = Api::namespaced(client, ns);
    for &dry_run in passes {
        let dp = DeleteParams {
            dry_run,
            grace_period_seconds: force.then_some(0),
            preconditions: Some(Preconditions {
                uid: Some(uid.to_string()),
                resource_version: None,
            }),
            ..DeleteParams::default()
        };
        if let Err(e) = api.delete(name, &dp).await {
            return Err(if is_status(&e, 404) {
                Outcome::Refused(format!("pod/{name} already gone"))
            } else if is_status(&e, 409) {
                Outcome::Refused(format!(
                    "pod/{name} already gone (uid changed: a new pod has its name); nothing deleted"
                ))
            } else {
                failed(&e, "delete", "pods", ns, dry_run)
            });
        }
    }
    Ok(finish(
        passes,
        if force {
            format!("pod/{name} force-deleted (grace 0)")
        } else {
            format!("pod/{name} deleted; its controller replaces it")
        },
    ))
}

async fn scale(
    client: kube::Client,
    ns: &str,
    name: &str,
    (from, to): (i32, i32),
    passes: Passes,
) -> Step<Outcome> {
    let api: Api<Deployment> = Api::namespaced(client, ns);
    let patch = json!({"spec": {"replicas": to}});
    let mut was = from;
    for &dry_run in passes {
        let scale = api
            .patch_scale(name, &patch_params(dry_run), &Patch::Merge(&patch))
            .await
            .map_err(|e| not_found_or(e, "patch", "deployments/scale", ns, name, dry_run))?;
        if dry_run {
            // The dry run answers with the current object's status: what it really was.
            if let Some(r) = scale.status.as_ref().map(|s| s.replicas) {
                was = r;
            }
        }
    }
    let note = if was != from {
        format!(" (it had {was} when applied)")
    } else {
        String::new()
    };
    Ok(finish(
        passes,
        format!("deployment/{name} scaled {from} → {to}{note}"),
    ))
}

/// `kubectl set image deployment/NAME *=IMAGE` for a one-container deployment, after
/// checking it still runs the image the dialog showed.
async fn set_image(
    client: kube::Client,
    ns: &str,
    name: &str,
    (from, to): (&str, &str),
    passes: Passes,
) -> Step<Outcome> {
    let api: Api<Deployment> = Api::namespaced(client, ns);
    let current = api
        .get(name)
        .await
        .map_err(|e| not_found_or(e, "get", "deployments", ns, name, false))?;
    let containers = current
        .spec
        .template
        .spec
        .as_ref()
        .map(|p| p.containers.as_slice())
        .unwrap_or_default();
    let [container] = containers else {
        return Err(Outcome::Refused(format!(
            "deployment/{name} has {} containers: use kubectl set image CONTAINER=IMAGE",
            containers.len()
        )));
    };
    if container.image.as_deref() != Some(from) {
        return Err(Outcome::Refused(format!(
            "deployment/{name} now runs {} (the dialog showed {from}): nothing changed",
            container.image.as_deref().unwrap_or("no image")
        )));
    }
    let patch = json!({"spec": {"template": {"spec": {"containers": [
        {"name": container.name, "image": to}
    ]}}}});
    for &dry_run in passes {
        api.patch(name, &patch_params(dry_run), &Patch::Strategic(&patch))
            .await
            .map_err(|e| not_found_or(e, "patch", "deployments", ns, name, dry_run))?;
    }
    Ok(finish(
        passes,
        format!("deployment/{name} image {from} → {to}"),
    ))
}

async fn undo(
    client: kube::Client,
    ns: &str,
    name: &str,
    revision: i64,
    passes: Passes,
) -> Step<Outcome> {
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), ns);
    let replicasets: Api<ReplicaSet> = Api::namespaced(client, ns);
    let d = deployments
        .get(name)
        .await
        .map_err(|e| not_found_or(e, "get", "deployments", ns, name, false))?;
    if d.spec.paused == Some(true) {
        return Ok(Outcome::Refused(format!(
            "deployment/{name} is paused; resume it before rolling back"
        )));
    }
    let uid = d.metadata.uid.clone().unwrap_or_default();
    let list = replicasets
        .list(&ListParams::default())
        .await
        .map_err(|e| failed(&e, "list", "replicasets", ns, false))?;
    let Some(rs) = list.items.into_iter().find(|r| {
        let owned = r
            .metadata
            .owner_references
            .as_ref()
            .is_some_and(|o| o.iter().any(|o| o.uid == uid));
        let rev = r
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(REVISION_ANNOTATION))
            .and_then(|v| v.parse::<i64>().ok());
        owned && rev == Some(revision)
    }) else {
        return Ok(Outcome::Refused(format!(
            "revision {revision} of deployment/{name} not found"
        )));
    };
    let Some(mut template) = rs.spec.template.clone() else {
        return Ok(Outcome::Failed(format!(
            "replicaset {} has no pod template",
            rs.metadata.name.unwrap_or_default()
        )));
    };
    if let Some(labels) = template.metadata.as_mut().and_then(|m| m.labels.as_mut()) {
        labels.remove(HASH_LABEL);
    }
    if d.spec.template == template {
        return Ok(Outcome::Done(format!(
            "deployment/{name} already runs revision {revision}'s template; skipped"
        )));
    }
    let patch = rollback_patch(&d, &rs, &template)
        .map_err(|e| Outcome::Failed(format!("cannot build the rollback patch: {e}")))?;
    for &dry_run in passes {
        deployments
            .patch(
                name,
                &patch_params(dry_run),
                &Patch::Json::<()>(patch.clone()),
            )
            .await
            .map_err(|e| not_found_or(e, "patch", "deployments", ns, name, dry_run))?;
    }
    Ok(finish(
        passes,
        format!("deployment/{name} rolled back to revision {revision}"),
    ))
}

/// The JSON patch `kubectl rollout undo` sends: replace the pod template with the
/// revision's, and the annotations with the deployment's bookkeeping ones plus the
/// revision's own. Only those two fields are written, so a concurrent scale (an HPA)
/// is not overwritten.
fn rollback_patch(
    d: &Deployment,
    rs: &ReplicaSet,
    template: &k8s_openapi::api::core::v1::PodTemplateSpec,
) -> Result<json_patch::Patch, serde_json::Error> {
    let mut annotations = std::collections::BTreeMap::new();
    for (k, v) in d.metadata.annotations.iter().flatten() {
        if SKIP_ANNOTATIONS.contains(&k.as_str()) {
            annotations.insert(k.clone(), v.clone());
        }
    }
    for (k, v) in rs.metadata.annotations.iter().flatten() {
        if !SKIP_ANNOTATIONS.contains(&k.as_str()) {
            annotations.insert(k.clone(), v.clone());
        }
    }
    serde_json::from_value(json!([
        { "op": "replace", "path": "/spec/template", "value": template },
        { "op": "replace", "path": "/metadata/annotations", "value": annotations },
    ]))
}
