//! Redis collector: INFO-based hit rate, memory, evictions, clients.
//! (Filled in by the Redis issue.)

use serde::Serialize;

use super::{CollectError, Collector};
use crate::config::RedisSettings;

#[derive(Debug, Clone, Default, Serialize)]
pub struct RedisData {
    pub redis_version: String,
    pub used_memory: u64,
}

pub struct RedisCollector {
    #[allow(dead_code)]
    settings: RedisSettings,
}

impl RedisCollector {
    pub fn new(settings: RedisSettings) -> Self {
        Self { settings }
    }
}

impl Collector for RedisCollector {
    type Data = RedisData;

    fn name(&self) -> &'static str {
        "redis"
    }

    async fn collect(&mut self) -> Result<RedisData, CollectError> {
        Err(CollectError::Query(
            "redis collector not implemented yet".into(),
        ))
    }
}
