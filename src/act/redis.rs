//! Runs the Redis action: `CONFIG SET maxmemory-policy` on every primary in cluster
//! mode. ElastiCache disables CONFIG: the outcome says so and names the parameter
//! group command instead of showing a raw error.

use crate::app::action::redis::POLICIES;
use crate::app::action::{Outcome, RedisAction};
use crate::collect::redis::conn::{self, Endpoint};
use crate::collect::CollectError;
use crate::config::RedisSettings;

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

    pub async fn execute(&mut self, action: &RedisAction) -> Outcome {
        let RedisAction::SetEvictionPolicy { from, to } = action;
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
    fn config_disabled_names_the_parameter_group_change() {
        assert!(config_disabled_message("allkeys-lru")
            .contains("ParameterName=maxmemory-policy,ParameterValue=allkeys-lru"));
    }
}
