//! PostgreSQL collector: pg_stat_activity, blocking locks and top statements.
//! (Filled in by the PostgreSQL issue.)

use serde::Serialize;

use super::{CollectError, Collector};
use crate::config::PgSettings;

#[derive(Debug, Clone, Default, Serialize)]
pub struct PgData {
    pub server_version_num: i32,
    pub max_connections: i64,
}

pub struct PgCollector {
    #[allow(dead_code)]
    settings: PgSettings,
}

impl PgCollector {
    pub fn new(settings: PgSettings) -> Self {
        Self { settings }
    }
}

impl Collector for PgCollector {
    type Data = PgData;

    fn name(&self) -> &'static str {
        "postgres"
    }

    async fn collect(&mut self) -> Result<PgData, CollectError> {
        Err(CollectError::Query(
            "postgres collector not implemented yet".into(),
        ))
    }
}
