//! Redis action: set maxmemory-policy. (Filled in by the Redis issue.)

use crate::app::action::{Action, ConfirmSpec, InputPurpose, InputRequest, Op, Outcome, Plan};
use crate::collect::redis::RedisData;
use crate::config::RedisSettings;

use super::DescribeCtx;

pub const POLICIES: &[&str] = &[
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
    "noeviction",
];

pub fn plan(_op: Op, data: Option<&RedisData>) -> Plan {
    match data {
        None => Plan::Refuse("redis: no data yet".into()),
        Some(_) => Plan::Ask(InputRequest {
            title: "Set maxmemory-policy".into(),
            prompt: "new policy (up/down to choose)".into(),
            initial: "allkeys-lru".into(),
            choices: POLICIES.iter().map(|s| s.to_string()).collect(),
            purpose: InputPurpose::EvictionPolicy {
                from: "unknown".into(),
            },
        }),
    }
}

pub fn describe(action: &Action, _ctx: &DescribeCtx) -> ConfirmSpec {
    match action {
        Action::RedisSetEvictionPolicy { from, to } => ConfirmSpec {
            title: "Change Redis maxmemory-policy?".into(),
            facts: vec![("maxmemory-policy".into(), format!("{from} → {to}"))],
            equivalent: format!("CONFIG SET maxmemory-policy {to}"),
            typed_confirmation: None,
            destructive: false,
        },
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
        InputPurpose::EvictionPolicy { from } if POLICIES.contains(&answer) => {
            Ok(Action::RedisSetEvictionPolicy {
                from: from.clone(),
                to: answer.to_string(),
            })
        }
        InputPurpose::EvictionPolicy { .. } => Err(format!("unknown policy {answer:?}")),
        _ => Err("not a Redis question".into()),
    }
}

pub struct RedisActions {
    #[allow(dead_code)]
    settings: RedisSettings,
}

impl RedisActions {
    pub fn new(settings: RedisSettings) -> Self {
        Self { settings }
    }

    pub async fn execute(&mut self, action: &Action) -> Outcome {
        Outcome::Failed(format!(
            "{}: Redis executor not implemented yet",
            action.verb()
        ))
    }
}
