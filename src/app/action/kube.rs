//! Kubernetes actions: rollout restart, delete pod (graceful or forced), scale,
//! rollout undo, logs. `plan` works from the snapshot only (no I/O); the executor
//! (`act::kube`) validates each mutation with a server-side dry run, then runs it.

use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::{Action, ConfirmSpec, DescribeCtx, InputPurpose, InputRequest, Plan};
use crate::collect::kube::KubeData;
use crate::config::Config;
use crate::view::table::Target;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KubeAction {
    RolloutRestart {
        namespace: String,
        deployment: String,
    },
    DeletePod {
        namespace: String,
        name: String,
        uid: String,
        /// Grace period 0 kills without SIGTERM handling; asks a second confirmation.
        force: bool,
    },
    Scale {
        namespace: String,
        deployment: String,
        from: i32,
        to: i32,
    },
    RolloutUndo {
        namespace: String,
        deployment: String,
        to_revision: i64,
        /// The images running now and those of `to_revision`, from the rollout history
        /// when the user asked: what the dialog shows changing.
        from_images: String,
        to_images: String,
    },
    /// The runbook's rolling update / security patch (`kubectl set image`), for a
    /// deployment with one container; refused if its image changed since the dialog.
    SetImage {
        namespace: String,
        deployment: String,
        from: String,
        to: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KubeOp {
    RolloutRestart,
    DeletePod,
    Scale,
    RolloutUndo,
    SetImage,
    Logs,
}

/// The questions Kubernetes actions ask before they can be built.
#[derive(Debug, Clone, PartialEq)]
pub enum KubeInput {
    ScaleReplicas {
        namespace: String,
        deployment: String,
        from: i32,
    },
    UndoRevision {
        namespace: String,
        deployment: String,
        /// The deployment's images now, and each earlier revision's (from its ReplicaSet).
        current_images: String,
        revisions: Vec<(i64, String)>,
    },
    /// The new image of a one-container deployment.
    Image {
        namespace: String,
        deployment: String,
        from: String,
    },
    /// Graceful delete or force (grace 0) of a pod held by uid.
    DeletePodGrace {
        namespace: String,
        name: String,
        uid: String,
    },
}

impl KubeAction {
    pub fn verb(&self) -> &'static str {
        match self {
            KubeAction::RolloutRestart { .. } => "rollout-restart",
            KubeAction::DeletePod { .. } => "delete-pod",
            KubeAction::Scale { .. } => "scale",
            KubeAction::RolloutUndo { .. } => "rollout-undo",
            KubeAction::SetImage { .. } => "set-image",
        }
    }

    pub fn object(&self) -> String {
        match self {
            KubeAction::RolloutRestart {
                namespace,
                deployment,
            }
            | KubeAction::Scale {
                namespace,
                deployment,
                ..
            }
            | KubeAction::RolloutUndo {
                namespace,
                deployment,
                ..
            }
            | KubeAction::SetImage {
                namespace,
                deployment,
                ..
            } => format!("deployment/{deployment} -n {namespace}"),
            KubeAction::DeletePod {
                namespace, name, ..
            } => format!("pod/{name} -n {namespace}"),
        }
    }
}

impl KubeOp {
    pub fn name(self) -> &'static str {
        match self {
            KubeOp::RolloutRestart => "rollout-restart",
            KubeOp::DeletePod => "delete-pod",
            KubeOp::Scale => "scale",
            KubeOp::RolloutUndo => "rollout-undo",
            KubeOp::SetImage => "set-image",
            KubeOp::Logs => "logs",
        }
    }
}

fn confirm(action: KubeAction) -> Plan {
    Plan::Confirm(Action::Kube(action))
}

fn ask(
    request: KubeInput,
    title: String,
    prompt: String,
    initial: String,
    choices: Vec<String>,
) -> Plan {
    Plan::Ask(InputRequest {
        title,
        prompt,
        initial,
        choices,
        purpose: InputPurpose::Kube(request),
    })
}

/// Choices of the delete dialog.
pub const DELETE_GRACEFUL: &str = "graceful (default grace period)";
pub const DELETE_FORCE: &str = "force (grace period 0, no SIGTERM handling)";

fn refuse_node() -> Plan {
    Plan::Refuse("select a pod or a deployment (nodes have no actions)".into())
}

pub fn plan(
    op: KubeOp,
    target: Option<&Target>,
    data: Option<&KubeData>,
    config: &Config,
    now: SystemTime,
) -> Plan {
    if matches!(target, Some(Target::Node { .. })) {
        return refuse_node();
    }
    let (namespace, pod, deployment) = match target {
        Some(Target::Pod {
            namespace,
            name,
            deployment,
            ..
        }) => (namespace.clone(), Some(name.clone()), deployment.clone()),
        Some(Target::Deployment { namespace, name }) => {
            (namespace.clone(), None, Some(name.clone()))
        }
        _ => (
            config.kube.namespace.clone(),
            None,
            Some(config.kube.deployment.clone()),
        ),
    };
    let no_deployment = || match &pod {
        Some(p) => Plan::Refuse(format!("pod/{p} has no owning deployment")),
        None => Plan::Refuse("select a pod or a deployment".into()),
    };
    match op {
        KubeOp::Logs => Plan::Logs {
            namespace,
            pod,
            deployment,
        },
        KubeOp::RolloutRestart => match deployment {
            Some(deployment) => confirm(KubeAction::RolloutRestart {
                namespace,
                deployment,
            }),
            None => no_deployment(),
        },
        KubeOp::DeletePod => match target {
            Some(Target::Pod {
                namespace,
                name,
                uid,
                ..
            }) => ask(
                KubeInput::DeletePodGrace {
                    namespace: namespace.clone(),
                    name: name.clone(),
                    uid: uid.clone(),
                },
                format!("Delete pod {name}"),
                "how (a forced delete asks you to type the pod name)".into(),
                DELETE_GRACEFUL.into(),
                vec![DELETE_GRACEFUL.into(), DELETE_FORCE.into()],
            ),
            _ => Plan::Refuse("select a pod to delete (not a deployment header)".into()),
        },
        KubeOp::Scale => {
            let Some(deployment) = deployment else {
                return no_deployment();
            };
            let Some(d) = data.and_then(|d| d.deployment(&deployment)) else {
                return Plan::Refuse(format!(
                    "deployment/{deployment} not known yet (is its watch forbidden?)"
                ));
            };
            ask(
                KubeInput::ScaleReplicas {
                    namespace,
                    deployment: deployment.clone(),
                    from: d.desired,
                },
                format!("Scale deployment/{deployment}"),
                format!("replicas (now {}; 0 asks for the name)", d.desired),
                d.desired.to_string(),
                vec![],
            )
        }
        KubeOp::SetImage => {
            let Some(deployment) = deployment else {
                return no_deployment();
            };
            let Some(d) = data.and_then(|d| d.deployment(&deployment)) else {
                return Plan::Refuse(format!(
                    "deployment/{deployment} not known yet (is its watch forbidden?)"
                ));
            };
            if d.images.contains(',') || d.images.is_empty() {
                return Plan::Refuse(format!(
                    "deployment/{deployment} runs several containers ({}): use kubectl set image \
                     CONTAINER=IMAGE",
                    d.images
                ));
            }
            ask(
                KubeInput::Image {
                    namespace,
                    deployment: deployment.clone(),
                    from: d.images.clone(),
                },
                format!("Set the image of deployment/{deployment}"),
                format!("image (now {})", d.images),
                d.images.clone(),
                vec![],
            )
        }
        KubeOp::RolloutUndo => {
            let Some(deployment) = deployment else {
                return no_deployment();
            };
            let Some(data) = data else {
                return Plan::Refuse("kubernetes: no data yet".into());
            };
            let choices = revision_choices(data, &namespace, &deployment, now);
            let current_images = data
                .deployment(&deployment)
                .map(|d| d.images.clone())
                .unwrap_or_default();
            let revisions = revision_images(data, &namespace, &deployment);
            if choices.is_empty() {
                return Plan::Refuse(format!(
                    "deployment/{deployment} has no earlier revision to roll back to"
                ));
            }
            ask(
                KubeInput::UndoRevision {
                    namespace,
                    deployment: deployment.clone(),
                    current_images,
                    revisions,
                },
                format!("Roll back deployment/{deployment}"),
                "revision (newest first; the current one is not listed)".into(),
                choices[0].clone(),
                choices,
            )
        }
    }
}

/// Each revision of `deployment` with the images of its ReplicaSet.
fn revision_images(data: &KubeData, namespace: &str, deployment: &str) -> Vec<(i64, String)> {
    data.replicasets
        .iter()
        .filter(|r| r.namespace == namespace && r.deployment.as_deref() == Some(deployment))
        .filter_map(|r| r.revision.map(|rev| (rev, r.images.clone())))
        .collect()
}

/// `revision 3 · kitops/backend:1.4.1 · 2h00m ago`, newest first, without the current revision.
pub fn revision_choices(
    data: &KubeData,
    namespace: &str,
    deployment: &str,
    now: SystemTime,
) -> Vec<String> {
    let current = data.deployment(deployment).and_then(|d| d.revision);
    let now = crate::view::panes::pods::unix(now);
    let mut rs: Vec<_> = data
        .replicasets
        .iter()
        .filter(|r| r.namespace == namespace && r.deployment.as_deref() == Some(deployment))
        .filter_map(|r| r.revision.map(|rev| (rev, r)))
        .filter(|(rev, _)| Some(*rev) != current)
        .collect();
    rs.sort_by_key(|(rev, _)| std::cmp::Reverse(*rev));
    rs.into_iter()
        .map(|(rev, r)| {
            let age = r
                .created
                .map(|c| {
                    format!(
                        " · {} ago",
                        crate::view::format::age(Duration::from_secs((now - c).max(0) as u64))
                    )
                })
                .unwrap_or_default();
            format!("revision {rev} · {}{age}", r.images)
        })
        .collect()
}

fn ctx_facts(ctx: &DescribeCtx, namespace: &str) -> Vec<(String, String)> {
    // The dialog itself shows the production banner (ctx.production).
    vec![
        (
            "context".into(),
            ctx.kube_context.unwrap_or("(current)").to_string(),
        ),
        ("namespace".into(), namespace.to_string()),
    ]
}

/// `--context X` when a context is known, so the command hits the same cluster.
fn ctx_flag(ctx: &DescribeCtx) -> String {
    match ctx.kube_context {
        Some(c) if !c.is_empty() && c != "in-cluster" => format!(" --context {c}"),
        _ => String::new(),
    }
}

const DRY_RUN_NOTE: &str = "validated with a server-side dry run first";

/// The facts of a dialog about a deployment: where, which, what changes (`change`), its
/// effect, and that a dry run checks it first.
fn deployment_facts(
    ctx: &DescribeCtx,
    namespace: &str,
    deployment: &str,
    change: Option<(&str, String)>,
    effect: Option<&str>,
) -> Vec<(String, String)> {
    let mut facts = ctx_facts(ctx, namespace);
    facts.push(("object".into(), format!("deployment/{deployment}")));
    if let Some((label, value)) = change {
        facts.push((label.into(), value));
    }
    if let Some(effect) = effect {
        facts.push(("effect".into(), effect.into()));
    }
    facts.push(("check".into(), DRY_RUN_NOTE.into()));
    facts
}

pub fn describe(action: &KubeAction, ctx: &DescribeCtx) -> ConfirmSpec {
    let c = ctx_flag(ctx);
    match action {
        KubeAction::RolloutRestart {
            namespace,
            deployment,
        } => {
            let facts = deployment_facts(
                ctx,
                namespace,
                deployment,
                None,
                Some("pods are replaced one by one (rolling update)"),
            );
            ConfirmSpec {
                title: format!("Rollout restart deployment/{deployment}?"),
                facts,
                equivalent: format!(
                    "kubectl{c} rollout restart deployment/{deployment} -n {namespace}"
                ),
                typed_confirmation: None,
                destructive: false,
            }
        }
        KubeAction::DeletePod {
            namespace,
            name,
            uid,
            force,
        } => {
            let mut facts = ctx_facts(ctx, namespace);
            facts.push(("object".into(), format!("pod/{name}")));
            facts.push(("uid".into(), uid.clone()));
            facts.push((
                "grace period".into(),
                if *force {
                    "0 — killed at once, no graceful shutdown".into()
                } else {
                    "the pod's default (SIGTERM, then SIGKILL)".into()
                },
            ));
            facts.push((
                "effect".into(),
                "its ReplicaSet (if any) creates a replacement".into(),
            ));
            facts.push(("check".into(), DRY_RUN_NOTE.into()));
            ConfirmSpec {
                title: if *force {
                    format!("FORCE delete pod {name}?")
                } else {
                    format!("Delete pod {name}?")
                },
                facts,
                equivalent: format!(
                    "kubectl{c} delete pod {name} -n {namespace}{}",
                    if *force {
                        " --grace-period=0 --force"
                    } else {
                        ""
                    }
                ),
                typed_confirmation: force.then(|| name.clone()),
                destructive: true,
            }
        }
        KubeAction::Scale {
            namespace,
            deployment,
            from,
            to,
        } => {
            let facts = deployment_facts(
                ctx,
                namespace,
                deployment,
                Some(("replicas", format!("{from} → {to}"))),
                (*to == 0).then_some("every pod stops: the service is down (isolation)"),
            );
            ConfirmSpec {
                title: format!("Scale deployment/{deployment} {from} → {to}?"),
                facts,
                equivalent: format!(
                    "kubectl{c} scale deployment/{deployment} --replicas={to} -n {namespace}"
                ),
                typed_confirmation: (*to == 0).then(|| deployment.clone()),
                destructive: *to < *from,
            }
        }
        KubeAction::RolloutUndo {
            namespace,
            deployment,
            to_revision,
            from_images,
            to_images,
        } => {
            let mut facts = deployment_facts(
                ctx,
                namespace,
                deployment,
                Some(("to revision", to_revision.to_string())),
                Some("the pod template of that revision is applied; pods roll"),
            );
            let unknown = |s: &str| {
                if s.is_empty() {
                    "(unknown)".to_string()
                } else {
                    s.to_string()
                }
            };
            let images = if from_images == to_images && !from_images.is_empty() {
                format!("{from_images} (unchanged: the revisions differ in another field)")
            } else {
                format!("{} → {}", unknown(from_images), unknown(to_images))
            };
            // Right after the revision: what the user is choosing between.
            facts.insert(4, ("image".into(), images));
            ConfirmSpec {
                title: format!("Roll back deployment/{deployment} to revision {to_revision}?"),
                facts,
                equivalent: format!(
                    "kubectl{c} rollout undo deployment/{deployment} --to-revision={to_revision} -n {namespace}"
                ),
                typed_confirmation: None,
                destructive: true,
            }
        }
        KubeAction::SetImage {
            namespace,
            deployment,
            from,
            to,
        } => {
            let facts = deployment_facts(
                ctx,
                namespace,
                deployment,
                Some(("image", format!("{from} → {to}"))),
                Some("pods are replaced one by one with the new image (rolling update)"),
            );
            ConfirmSpec {
                title: format!("Set the image of deployment/{deployment}?"),
                facts,
                equivalent: format!(
                    "kubectl{c} set image deployment/{deployment} *={to} -n {namespace}"
                ),
                typed_confirmation: None,
                // New code in production: never by reflex.
                destructive: true,
            }
        }
    }
}

/// An image reference as Kubernetes takes it: no spaces or control characters, at
/// most 4096 bytes, not empty.
fn validate_image(image: &str) -> Result<(), String> {
    if image.is_empty() {
        return Err("an image is needed, e.g. kitops/backend:1.2.3".into());
    }
    if image.len() > 4096 || image.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{image:?} is not an image reference"));
    }
    Ok(())
}

/// `3` or `revision 3 · image · age` → 3.
fn parse_revision(answer: &str) -> Option<i64> {
    let a = answer.trim();
    let a = a.strip_prefix("revision").unwrap_or(a).trim_start();
    let digits: String = a.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|r| *r > 0)
}

pub fn complete(purpose: &KubeInput, answer: &str) -> Result<KubeAction, String> {
    match purpose {
        KubeInput::ScaleReplicas {
            namespace,
            deployment,
            from,
        } => {
            let to: i32 = answer
                .trim()
                .parse()
                .map_err(|_| format!("{answer:?} is not a replica count"))?;
            if !(0..=1000).contains(&to) {
                return Err("replicas must be between 0 and 1000".into());
            }
            if to == *from {
                return Err(format!("deployment/{deployment} already has {to} replicas"));
            }
            Ok(KubeAction::Scale {
                namespace: namespace.clone(),
                deployment: deployment.clone(),
                from: *from,
                to,
            })
        }
        KubeInput::UndoRevision {
            namespace,
            deployment,
            current_images,
            revisions,
        } => {
            let to_revision =
                parse_revision(answer).ok_or_else(|| format!("{answer:?} is not a revision"))?;
            let to_images = revisions
                .iter()
                .find(|(rev, _)| *rev == to_revision)
                .map(|(_, images)| images.clone())
                .unwrap_or_default();
            Ok(KubeAction::RolloutUndo {
                namespace: namespace.clone(),
                deployment: deployment.clone(),
                to_revision,
                from_images: current_images.clone(),
                to_images,
            })
        }
        KubeInput::Image {
            namespace,
            deployment,
            from,
        } => {
            let to = answer.trim();
            validate_image(to)?;
            if to == from {
                return Err(format!("deployment/{deployment} already runs {to}"));
            }
            Ok(KubeAction::SetImage {
                namespace: namespace.clone(),
                deployment: deployment.clone(),
                from: from.clone(),
                to: to.to_string(),
            })
        }
        KubeInput::DeletePodGrace {
            namespace,
            name,
            uid,
        } => {
            let force = match answer.trim() {
                DELETE_GRACEFUL | "graceful" => false,
                DELETE_FORCE | "force" => true,
                other => return Err(format!("{other:?}: choose graceful or force")),
            };
            Ok(KubeAction::DeletePod {
                namespace: namespace.clone(),
                name: name.clone(),
                uid: uid.clone(),
                force,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_parse_from_choices_and_numbers() {
        assert_eq!(parse_revision("revision 3 · img:1 · 2h ago"), Some(3));
        assert_eq!(parse_revision(" 12 "), Some(12));
        assert_eq!(parse_revision("x"), None);
        assert_eq!(parse_revision("revision 0"), None);
    }

    #[test]
    fn delete_choice_decides_force() {
        let p = KubeInput::DeletePodGrace {
            namespace: "kitops".into(),
            name: "a".into(),
            uid: "u".into(),
        };
        assert!(matches!(
            complete(&p, DELETE_FORCE),
            Ok(KubeAction::DeletePod { force: true, .. })
        ));
        assert!(matches!(
            complete(&p, DELETE_GRACEFUL),
            Ok(KubeAction::DeletePod { force: false, .. })
        ));
        assert!(complete(&p, "maybe").is_err());
    }

    #[test]
    fn set_image_needs_a_new_valid_reference() {
        let p = KubeInput::Image {
            namespace: "kitops".into(),
            deployment: "web".into(),
            from: "kitops/web:1".into(),
        };
        assert!(complete(&p, "kitops/web:1").is_err());
        assert!(complete(&p, "").is_err());
        assert!(complete(&p, "kitops/web:2; rm -rf /").is_err());
        assert!(matches!(
            complete(&p, " kitops/web:2 "),
            Ok(KubeAction::SetImage { ref to, .. }) if to == "kitops/web:2"
        ));
    }

    #[test]
    fn scale_rejects_same_count_and_out_of_range() {
        let p = KubeInput::ScaleReplicas {
            namespace: "kitops".into(),
            deployment: "web".into(),
            from: 3,
        };
        assert!(complete(&p, "3").is_err());
        assert!(complete(&p, "-1").is_err());
        assert!(complete(&p, "abc").is_err());
        assert!(matches!(
            complete(&p, "0"),
            Ok(KubeAction::Scale { to: 0, .. })
        ));
    }
}
