//! Kubernetes actions: rollout restart, delete pod (graceful or forced), scale,
//! rollout undo, logs. `plan` works from the snapshot only (no I/O); the executor
//! (`exec.rs`) validates each mutation with a server-side dry run, then runs it.

mod exec;

use std::time::{Duration, SystemTime};

use crate::app::action::{Action, ConfirmSpec, InputPurpose, InputRequest, Op, Plan};
use crate::app::table::Target;
use crate::collect::kube::KubeData;
use crate::config::Config;

use super::DescribeCtx;

pub use exec::KubeActions;

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

/// Choices of the delete dialog.
pub const DELETE_GRACEFUL: &str = "graceful (default grace period)";
pub const DELETE_FORCE: &str = "force (grace period 0, no SIGTERM handling)";

fn refuse_node() -> Plan {
    Plan::Refuse("select a pod or a deployment (nodes have no actions)".into())
}

pub fn plan(op: Op, target: Option<&Target>, data: Option<&KubeData>, config: &Config) -> Plan {
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
        Op::Logs => Plan::Logs {
            namespace,
            pod,
            deployment,
        },
        Op::RolloutRestart => match deployment {
            Some(deployment) => Plan::Confirm(Action::RolloutRestart {
                namespace,
                deployment,
            }),
            None => no_deployment(),
        },
        Op::DeletePod => match target {
            Some(Target::Pod {
                namespace,
                name,
                uid,
                ..
            }) => Plan::Ask(InputRequest {
                title: format!("Delete pod {name}"),
                prompt: "how (a forced delete asks you to type the pod name)".into(),
                initial: DELETE_GRACEFUL.into(),
                choices: vec![DELETE_GRACEFUL.into(), DELETE_FORCE.into()],
                purpose: InputPurpose::DeletePodGrace {
                    namespace: namespace.clone(),
                    name: name.clone(),
                    uid: uid.clone(),
                },
            }),
            _ => Plan::Refuse("select a pod to delete (not a deployment header)".into()),
        },
        Op::Scale => {
            let Some(deployment) = deployment else {
                return no_deployment();
            };
            let Some(d) = data.and_then(|d| d.deployment(&deployment)) else {
                return Plan::Refuse(format!(
                    "deployment/{deployment} not known yet (is its watch forbidden?)"
                ));
            };
            Plan::Ask(InputRequest {
                title: format!("Scale deployment/{deployment}"),
                prompt: format!("replicas (now {}; 0 asks for the name)", d.desired),
                initial: d.desired.to_string(),
                choices: vec![],
                purpose: InputPurpose::ScaleReplicas {
                    namespace,
                    deployment,
                    from: d.desired,
                },
            })
        }
        Op::RolloutUndo => {
            let Some(deployment) = deployment else {
                return no_deployment();
            };
            let Some(data) = data else {
                return Plan::Refuse("kubernetes: no data yet".into());
            };
            let choices = revision_choices(data, &namespace, &deployment, SystemTime::now());
            if choices.is_empty() {
                return Plan::Refuse(format!(
                    "deployment/{deployment} has no earlier revision to roll back to"
                ));
            }
            Plan::Ask(InputRequest {
                title: format!("Roll back deployment/{deployment}"),
                prompt: "revision (newest first; the current one is not listed)".into(),
                initial: choices[0].clone(),
                choices,
                purpose: InputPurpose::UndoRevision {
                    namespace,
                    deployment,
                },
            })
        }
        _ => Plan::Refuse(format!("{op:?} is not a Kubernetes action")),
    }
}

/// `revision 3 · kitops/backend:1.4.1 · 2h00m ago`, newest first, without the current revision.
pub fn revision_choices(
    data: &KubeData,
    namespace: &str,
    deployment: &str,
    now: SystemTime,
) -> Vec<String> {
    let current = data.deployment(deployment).and_then(|d| d.revision);
    let now = crate::ui::panes::pods::unix(now);
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
                        crate::ui::text::age(Duration::from_secs((now - c).max(0) as u64))
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

pub fn describe(action: &Action, ctx: &DescribeCtx) -> ConfirmSpec {
    let c = ctx_flag(ctx);
    match action {
        Action::RolloutRestart {
            namespace,
            deployment,
        } => {
            let mut facts = ctx_facts(ctx, namespace);
            facts.push(("object".into(), format!("deployment/{deployment}")));
            facts.push((
                "effect".into(),
                "pods are replaced one by one (rolling update)".into(),
            ));
            facts.push(("check".into(), DRY_RUN_NOTE.into()));
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
        Action::DeletePod {
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
        Action::Scale {
            namespace,
            deployment,
            from,
            to,
        } => {
            let mut facts = ctx_facts(ctx, namespace);
            facts.push(("object".into(), format!("deployment/{deployment}")));
            facts.push(("replicas".into(), format!("{from} → {to}")));
            if *to == 0 {
                facts.push((
                    "effect".into(),
                    "every pod stops: the service is down (isolation)".into(),
                ));
            }
            facts.push(("check".into(), DRY_RUN_NOTE.into()));
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
        Action::RolloutUndo {
            namespace,
            deployment,
            to_revision,
        } => {
            let mut facts = ctx_facts(ctx, namespace);
            facts.push(("object".into(), format!("deployment/{deployment}")));
            facts.push(("to revision".into(), to_revision.to_string()));
            facts.push((
                "effect".into(),
                "the pod template of that revision is applied; pods roll".into(),
            ));
            facts.push(("check".into(), DRY_RUN_NOTE.into()));
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
        other => ConfirmSpec::unknown(other),
    }
}

/// `3` or `revision 3 · image · age` → 3.
fn parse_revision(answer: &str) -> Option<i64> {
    let a = answer.trim();
    let a = a.strip_prefix("revision").unwrap_or(a).trim_start();
    let digits: String = a.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|r| *r > 0)
}

pub fn complete(purpose: &InputPurpose, answer: &str) -> Result<Action, String> {
    match purpose {
        InputPurpose::ScaleReplicas {
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
            Ok(Action::Scale {
                namespace: namespace.clone(),
                deployment: deployment.clone(),
                from: *from,
                to,
            })
        }
        InputPurpose::UndoRevision {
            namespace,
            deployment,
        } => {
            let to_revision =
                parse_revision(answer).ok_or_else(|| format!("{answer:?} is not a revision"))?;
            Ok(Action::RolloutUndo {
                namespace: namespace.clone(),
                deployment: deployment.clone(),
                to_revision,
            })
        }
        InputPurpose::DeletePodGrace {
            namespace,
            name,
            uid,
        } => {
            let force = match answer.trim() {
                DELETE_GRACEFUL | "graceful" => false,
                DELETE_FORCE | "force" => true,
                other => return Err(format!("{other:?}: choose graceful or force")),
            };
            Ok(Action::DeletePod {
                namespace: namespace.clone(),
                name: name.clone(),
                uid: uid.clone(),
                force,
            })
        }
        _ => Err("not a Kubernetes question".into()),
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
        let p = InputPurpose::DeletePodGrace {
            namespace: "kitops".into(),
            name: "a".into(),
            uid: "u".into(),
        };
        assert!(matches!(
            complete(&p, DELETE_FORCE),
            Ok(Action::DeletePod { force: true, .. })
        ));
        assert!(matches!(
            complete(&p, DELETE_GRACEFUL),
            Ok(Action::DeletePod { force: false, .. })
        ));
        assert!(complete(&p, "maybe").is_err());
    }

    #[test]
    fn scale_rejects_same_count_and_out_of_range() {
        let p = InputPurpose::ScaleReplicas {
            namespace: "kitops".into(),
            deployment: "web".into(),
            from: 3,
        };
        assert!(complete(&p, "3").is_err());
        assert!(complete(&p, "-1").is_err());
        assert!(complete(&p, "abc").is_err());
        assert!(matches!(complete(&p, "0"), Ok(Action::Scale { to: 0, .. })));
    }
}
