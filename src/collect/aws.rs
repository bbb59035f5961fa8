//! AWS collector: ALB target health (elbv2) and RDS instance state.
//! (Filled in by the AWS issue.)

use serde::Serialize;

use super::{CollectError, Collector};
use crate::config::AwsSettings;

#[derive(Debug, Clone, Default, Serialize)]
pub struct AwsData {
    pub region: String,
}

pub struct AwsCollector {
    #[allow(dead_code)]
    settings: AwsSettings,
}

impl AwsCollector {
    pub fn new(settings: AwsSettings) -> Self {
        Self { settings }
    }
}

impl Collector for AwsCollector {
    type Data = AwsData;

    fn name(&self) -> &'static str {
        "aws"
    }

    async fn collect(&mut self) -> Result<AwsData, CollectError> {
        Err(CollectError::Query(
            "aws collector not implemented yet".into(),
        ))
    }
}
