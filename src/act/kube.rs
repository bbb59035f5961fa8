//! Kubernetes actions: rollout restart, delete pod, scale, rollout undo, logs.
//! (Executor filled in by the Kubernetes issue.)

use crate::app::action::{Action, ConfirmSpec, InputPurpose, Op, Outcome, Plan};
use crate::app::table::Target;
use crate::collect::kube::KubeData;
use crate::config::{Config, KubeSettings};

use super::DescribeCtx;

pub fn plan(op: Op, target: Option<&Target>, _data: Option<&KubeData>, config: &Config) -> Plan {
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
            None => Plan::Refuse("the selected pod has no owning deployment".into()),
        },
        _ => Plan::Refuse(format!("{op:?}: not available yet")),
    }
}

fn ctx_facts(ctx: &DescribeCtx, namespace: &str) -> Vec<(String, String)> {
    vec![
        (
            "context".into(),
            ctx.kube_context.unwrap_or("(current)").to_string(),
        ),
        ("namespace".into(), namespace.to_string()),
    ]
}

pub fn describe(action: &Action, ctx: &DescribeCtx) -> ConfirmSpec {
    match action {
        Action::RolloutRestart {
            namespace,
            deployment,
        } => {
            let mut facts = ctx_facts(ctx, namespace);
            facts.push(("deployment".into(), deployment.clone()));
            facts.push((
                "effect".into(),
                "pods are replaced one by one (rolling update)".into(),
            ));
            ConfirmSpec {
                title: format!("Rollout restart deployment/{deployment}?"),
                facts,
                equivalent: format!(
                    "kubectl rollout restart deployment/{deployment} -n {namespace}"
                ),
                typed_confirmation: None,
                destructive: false,
            }
        }
        Action::DeletePod {
            namespace,
            name,
            force,
            ..
        } => {
            let mut facts = ctx_facts(ctx, namespace);
            facts.push(("pod".into(), name.clone()));
            ConfirmSpec {
                title: format!("Delete pod {name}?"),
                facts,
                equivalent: format!(
                    "kubectl delete pod {name} -n {namespace}{}",
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
            facts.push(("deployment".into(), deployment.clone()));
            facts.push(("replicas".into(), format!("{from} → {to}")));
            ConfirmSpec {
                title: format!("Scale deployment/{deployment}?"),
                facts,
                equivalent: format!(
                    "kubectl scale deployment/{deployment} --replicas={to} -n {namespace}"
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
            facts.push(("deployment".into(), deployment.clone()));
            facts.push(("to revision".into(), to_revision.to_string()));
            ConfirmSpec {
                title: format!("Roll back deployment/{deployment}?"),
                facts,
                equivalent: format!(
                    "kubectl rollout undo deployment/{deployment} --to-revision={to_revision} -n {namespace}"
                ),
                typed_confirmation: None,
                destructive: true,
            }
        }
        other => ConfirmSpec {
            title: other.verb().into(),
            facts: vec![],
            equivalent: String::new(),
            typed_confirmation: None,
            destructive: true,
        },
    }
}

pub fn complete(purpose: &InputPurpose, answer: &str) -> Result<Action, String> {
    match purpose {
        InputPurpose::ScaleReplicas {
            namespace,
            deployment,
            from,
        } => {
            let to: i32 = answer
                .parse()
                .map_err(|_| format!("{answer:?} is not a replica count"))?;
            if !(0..=1000).contains(&to) {
                return Err("replicas must be between 0 and 1000".into());
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
            let to_revision: i64 = answer
                .parse()
                .map_err(|_| format!("{answer:?} is not a revision"))?;
            Ok(Action::RolloutUndo {
                namespace: namespace.clone(),
                deployment: deployment.clone(),
                to_revision,
            })
        }
        _ => Err("not a Kubernetes question".into()),
    }
}

pub struct KubeActions {
    #[allow(dead_code)]
    settings: KubeSettings,
}

impl KubeActions {
    pub fn new(settings: KubeSettings) -> Self {
        Self { settings }
    }

    pub async fn execute(&mut self, action: &Action) -> Outcome {
        Outcome::Failed(format!(
            "{}: Kubernetes executor not implemented yet",
            action.verb()
        ))
    }
}
