//! Redis action: set maxmemory-policy (`CONFIG SET`), on every primary in cluster
//! mode; the executor is `act::redis`.

use serde::Serialize;

use super::{ConfirmSpec, DescribeCtx, InputPurpose, InputRequest, Plan};
use crate::collect::redis::RedisData;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind")]
pub enum RedisAction {
    #[serde(rename = "redis_set_eviction_policy")]
    SetEvictionPolicy { from: String, to: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RedisOp {
    EvictionPolicy,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RedisInput {
    EvictionPolicy { from: String },
}

impl RedisAction {
    pub fn verb(&self) -> &'static str {
        match self {
            RedisAction::SetEvictionPolicy { .. } => "redis-set-maxmemory-policy",
        }
    }

    pub fn object(&self) -> String {
        match self {
            RedisAction::SetEvictionPolicy { .. } => "redis maxmemory-policy".into(),
        }
    }
}

impl RedisOp {
    pub fn name(self) -> &'static str {
        match self {
            RedisOp::EvictionPolicy => "redis-set-maxmemory-policy",
        }
    }
}

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

/// The runbook's suggestion.
pub const SUGGESTED: &str = "allkeys-lru";

pub fn plan(_op: RedisOp, data: Option<&RedisData>) -> Plan {
    let Some(data) = data else {
        return Plan::Refuse("redis: no data yet (is the server reachable?)".into());
    };
    let current = data
        .total
        .info
        .maxmemory_policy
        .clone()
        .unwrap_or_else(|| "unknown".into());
    // Suggest the runbook's policy; when it is already set, start on it anyway so
    // the user sees where they are and moves away deliberately.
    Plan::Ask(InputRequest {
        title: "Set maxmemory-policy".into(),
        prompt: format!("current: {current}. New policy (up/down to choose)"),
        initial: SUGGESTED.into(),
        choices: POLICIES.iter().map(|s| s.to_string()).collect(),
        purpose: InputPurpose::Redis(RedisInput::EvictionPolicy { from: current }),
    })
}

/// What a policy does once memory is full, in one line.
pub fn effect(policy: &str) -> &'static str {
    match policy {
        "allkeys-lru" => "evicts the least recently used keys, any key (with or without TTL)",
        "allkeys-lfu" => "evicts the least frequently used keys, any key",
        "allkeys-random" => "evicts random keys, any key",
        "volatile-lru" => "evicts the least recently used keys that have a TTL",
        "volatile-lfu" => "evicts the least frequently used keys that have a TTL",
        "volatile-random" => "evicts random keys that have a TTL",
        "volatile-ttl" => "evicts the keys with the shortest remaining TTL",
        "noeviction" => "evicts nothing: writes fail with OOM errors when memory is full",
        _ => "unknown policy",
    }
}

pub fn describe(action: &RedisAction, _ctx: &DescribeCtx) -> ConfirmSpec {
    match action {
        RedisAction::SetEvictionPolicy { from, to } => ConfirmSpec {
            title: "Change Redis maxmemory-policy?".into(),
            facts: vec![
                ("maxmemory-policy".into(), format!("{from} → {to}")),
                ("when memory is full".into(), effect(to).into()),
                (
                    "scope".into(),
                    "runtime, every primary (not saved to redis.conf)".into(),
                ),
            ],
            equivalent: format!("CONFIG SET maxmemory-policy {to}"),
            typed_confirmation: None,
            destructive: false,
        },
    }
}

pub fn complete(purpose: &RedisInput, answer: &str) -> Result<RedisAction, String> {
    let answer = answer.trim();
    match purpose {
        RedisInput::EvictionPolicy { from } if from == answer => {
            Err(format!("maxmemory-policy is already {answer}"))
        }
        RedisInput::EvictionPolicy { from } if POLICIES.contains(&answer) => {
            Ok(RedisAction::SetEvictionPolicy {
                from: from.clone(),
                to: answer.to_string(),
            })
        }
        RedisInput::EvictionPolicy { .. } => Err(format!(
            "unknown policy {answer:?}: one of {}",
            POLICIES.join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_validates_the_choice() {
        let p = RedisInput::EvictionPolicy {
            from: "noeviction".into(),
        };
        assert_eq!(
            complete(&p, "allkeys-lru"),
            Ok(RedisAction::SetEvictionPolicy {
                from: "noeviction".into(),
                to: "allkeys-lru".into()
            })
        );
        assert!(complete(&p, "noeviction").is_err());
        assert!(complete(&p, "allkeys-lru; FLUSHALL").is_err());
    }
}
