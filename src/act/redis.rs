//! Redis action: set maxmemory-policy (`CONFIG SET`), on every primary in cluster
//! mode. ElastiCache disables CONFIG: the outcome says so and names the parameter
//! group command instead of showing a raw error.

use crate::app::action::{Action, ConfirmSpec, InputPurpose, InputRequest, Op, Outcome, Plan};
use crate::collect::redis::conn::{self, Endpoint};
use crate::collect::redis::RedisData;
use crate::collect::CollectError;
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

/// The runbook's suggestion.
pub const SUGGESTED: &str = "allkeys-lru";

pub fn plan(_op: Op, data: Option<&RedisData>) -> Plan {
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
        purpose: InputPurpose::EvictionPolicy { from: current },
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

pub fn describe(action: &Action, _ctx: &DescribeCtx) -> ConfirmSpec {
    match action {
        Action::RedisSetEvictionPolicy { from, to } => ConfirmSpec {
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
        other => ConfirmSpec::unknown(other),
    }
}

pub fn complete(purpose: &InputPurpose, answer: &str) -> Result<Action, String> {
    let answer = answer.trim();
    match purpose {
        InputPurpose::EvictionPolicy { from } if from == answer => {
            Err(format!("maxmemory-policy is already {answer}"))
        }
        InputPurpose::EvictionPolicy { from } if POLICIES.contains(&answer) => {
            Ok(Action::RedisSetEvictionPolicy {
                from: from.clone(),
                to: answer.to_string(),
            })
        }
        InputPurpose::EvictionPolicy { .. } => Err(format!(
            "unknown policy {answer:?}: one of {}",
            POLICIES.join(", ")
        )),
        _ => Err("not a Redis question".into()),
    }
}

pub struct RedisActions {
    settings: RedisSettings,
}

/// The message for servers that refuse CONFIG (ElastiCache, or CONFIG renamed).
pub fn config_disabled_message(to: &str) -> String {
    format!(
        "CONFIG is not allowed on this server (ElastiCache disables it, or it was renamed): \
         change maxmemory-policy in the cache's parameter group instead: \
         aws elasticache modify-cache-parameter-group --cache-parameter-group-name <your-group> \
         --parameter-name-values ParameterName=maxmemory-policy,ParameterValue={to}"
    )
}

impl RedisActions {
    pub fn new(settings: RedisSettings) -> Self {
        Self { settings }
    }

    pub async fn execute(&mut self, action: &Action) -> Outcome {
        let Action::RedisSetEvictionPolicy { from, to } = action else {
            return Outcome::Refused(format!("{}: not a Redis action", action.verb()));
        };
        if !POLICIES.contains(&to.as_str()) {
            return Outcome::Refused(format!("unknown maxmemory-policy {to:?}"));
        }
        let seed = match Endpoint::from_settings(&self.settings) {
            Ok(e) => e,
            Err(e) => return Outcome::Failed(e.to_string()),
        };
        let mut targets = vec![seed.clone()];
        match cluster_primaries(&seed).await {
            Ok(others) => targets.extend(others),
            Err(e) => return Outcome::Failed(e.to_string()),
        }
        let mut done = Vec::new();
        for t in &targets {
            if let Err(outcome) = set_policy(t, to).await {
                return match (outcome, done.is_empty()) {
                    (o, true) => o,
                    (o, false) => Outcome::Failed(format!(
                        "{} (already changed on {})",
                        o.message(),
                        done.join(", ")
                    )),
                };
            }
            done.push(t.label.clone());
        }
        Outcome::Done(format!(
            "maxmemory-policy {from} → {to} on {} (checked with CONFIG GET)",
            done.join(", ")
        ))
    }
}

/// In cluster mode, the primaries other than the seed; empty otherwise.
async fn cluster_primaries(seed: &Endpoint) -> Result<Vec<Endpoint>, CollectError> {
    let mut c = seed.connect().await?;
    let info: String = redis::cmd("INFO")
        .arg("cluster")
        .query_async(&mut c)
        .await
        .map_err(|e| seed.classify(&e, Some("INFO")))?;
    if !crate::collect::redis::info::parse(&info).cluster_enabled {
        return Ok(vec![]);
    }
    let nodes: String = redis::cmd("CLUSTER")
        .arg("NODES")
        .query_async(&mut c)
        .await
        .map_err(|e| seed.classify(&e, Some("CLUSTER NODES")))?;
    let host = seed.label.rsplit_once(':').map_or("", |(h, _)| h);
    conn::parse_cluster_nodes(&nodes, host)
        .into_iter()
        .filter(|n| !n.myself)
        .map(|n| seed.with_addr(&n.host, n.port))
        .collect()
}

async fn set_policy(target: &Endpoint, to: &str) -> Result<(), Outcome> {
    let mut c = target
        .connect()
        .await
        .map_err(|e| Outcome::Failed(e.to_string()))?;
    let set: redis::RedisResult<()> = redis::cmd("CONFIG")
        .arg("SET")
        .arg("maxmemory-policy")
        .arg(to)
        .query_async(&mut c)
        .await;
    if let Err(e) = set {
        let text = e.to_string().to_ascii_lowercase();
        if text.contains("unknown command") || text.contains("unknown subcommand") {
            return Err(Outcome::Failed(config_disabled_message(to)));
        }
        return Err(Outcome::Failed(
            target.classify(&e, Some("CONFIG SET")).to_string(),
        ));
    }
    let got: redis::RedisResult<Vec<String>> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("maxmemory-policy")
        .query_async(&mut c)
        .await;
    match got {
        Ok(v) if v.get(1).map(String::as_str) == Some(to) => Ok(()),
        Ok(v) => Err(Outcome::Failed(format!(
            "{}: CONFIG SET succeeded but CONFIG GET says {:?}",
            target.label,
            v.get(1)
        ))),
        // Setting worked; a user allowed CONFIG SET but not GET is odd but not a failure.
        Err(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_validates_the_choice() {
        let p = InputPurpose::EvictionPolicy {
            from: "noeviction".into(),
        };
        assert_eq!(
            complete(&p, "allkeys-lru"),
            Ok(Action::RedisSetEvictionPolicy {
                from: "noeviction".into(),
                to: "allkeys-lru".into()
            })
        );
        assert!(complete(&p, "noeviction").is_err());
        assert!(complete(&p, "allkeys-lru; FLUSHALL").is_err());
        assert!(config_disabled_message("allkeys-lru")
            .contains("ParameterName=maxmemory-policy,ParameterValue=allkeys-lru"));
    }
}
