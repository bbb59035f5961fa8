//! The latest snapshot of every source, kept in the state so panes can be rebuilt on
//! a view change and actions planned from what the user sees.

use std::time::{Duration, SystemTime};

use crate::collect::aws::AwsData;
use crate::collect::deps::DepsData;
use crate::collect::host::HostData;
use crate::collect::kube::KubeData;
use crate::collect::postgres::PgData;
use crate::collect::redis::RedisData;
use crate::collect::{Snapshot, SourceStatus};
use crate::config::Config;

/// Which collector feeds a pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceId {
    Kube,
    Postgres,
    Redis,
    Aws,
    Host,
    Deps,
}

impl SourceId {
    /// How the attention line names it.
    pub fn label(self) -> &'static str {
        match self {
            SourceId::Kube => "k8s",
            SourceId::Postgres => "PG",
            SourceId::Redis => "Redis",
            SourceId::Aws => "AWS",
            SourceId::Host => "host",
            SourceId::Deps => "deps",
        }
    }

    /// Data older than three of these is called stale even without an error. Watches
    /// (Kubernetes) publish on change, so a quiet cluster is not stale for a minute.
    pub fn expected_interval(self, config: &Config) -> Duration {
        match self {
            SourceId::Aws => config.aws.refresh,
            SourceId::Kube => Duration::from_secs(60),
            SourceId::Postgres | SourceId::Redis | SourceId::Host => config.refresh,
            SourceId::Deps => config.deps.refresh,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Sources {
    pub kube: Snapshot<KubeData>,
    pub pg: Snapshot<PgData>,
    pub redis: Snapshot<RedisData>,
    pub aws: Snapshot<AwsData>,
    pub host: Snapshot<HostData>,
    pub deps: Snapshot<DepsData>,
}

impl Sources {
    /// Every source connecting, nothing to show yet.
    pub fn loading() -> Self {
        Self {
            kube: Snapshot::loading(),
            pg: Snapshot::loading(),
            redis: Snapshot::loading(),
            aws: Snapshot::loading(),
            host: Snapshot::loading(),
            deps: Snapshot::loading(),
        }
    }

    /// The source's status, when its data was fetched, and whether it has any.
    pub fn status(&self, source: SourceId) -> (SourceStatus, Option<SystemTime>, bool) {
        fn of<T>(s: &Snapshot<T>) -> (SourceStatus, Option<SystemTime>, bool) {
            (s.status.clone(), s.fetched_at, s.data.is_some())
        }
        match source {
            SourceId::Kube => of(&self.kube),
            SourceId::Postgres => of(&self.pg),
            SourceId::Redis => of(&self.redis),
            SourceId::Aws => of(&self.aws),
            SourceId::Host => of(&self.host),
            SourceId::Deps => of(&self.deps),
        }
    }
}
