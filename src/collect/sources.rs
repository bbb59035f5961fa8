//! Starts every source's collector (or says why it is off) and hands back the
//! snapshot channels.

use std::time::Duration;

use tokio::sync::watch;

use super::aws::{AwsCollector, AwsData};
use super::deps::{deps_hint, DepsCollector, DepsData};
use super::host::{HostCollector, HostData};
use super::kube::KubeData;
use super::postgres::{PgCollector, PgData};
use super::redis::{RedisCollector, RedisData};
use super::{spawn_poller, Controls, Snapshot};
use crate::config::{AwsSettings, Config, PgSettings, RedisSettings};

pub struct Channels {
    pub kube: watch::Receiver<Snapshot<KubeData>>,
    pub pg: watch::Receiver<Snapshot<PgData>>,
    pub redis: watch::Receiver<Snapshot<RedisData>>,
    pub aws: watch::Receiver<Snapshot<AwsData>>,
    pub host: watch::Receiver<Snapshot<HostData>>,
    pub deps: watch::Receiver<Snapshot<DepsData>>,
}

pub fn pg_hint(s: &PgSettings) -> Option<String> {
    let env = std::env::var_os("PGHOST").is_some() || std::env::var_os("PGSERVICE").is_some();
    (s.url.is_none() && !env)
        .then(|| "set --pg URL, KITOPS_PG_URL, PGHOST or [postgres] url".into())
}

pub fn redis_hint(s: &RedisSettings) -> Option<String> {
    s.url
        .is_none()
        .then(|| "set --redis URL, KITOPS_REDIS_URL or [redis] url".into())
}

pub fn aws_hint(s: &AwsSettings) -> Option<String> {
    (s.region.is_none() && s.endpoint_url.is_none())
        .then(|| "set --aws-region, AWS_REGION or [aws] region".into())
}

/// Every network call of a collection round shares this bound.
pub fn timeout_for(every: Duration) -> Duration {
    (every * 2).clamp(Duration::from_secs(3), Duration::from_secs(20))
}

fn off<T>(hint: String) -> watch::Receiver<Snapshot<T>> {
    watch::channel(Snapshot::unconfigured(hint)).1
}

pub fn spawn_all(config: &Config, controls: &Controls) -> Channels {
    let every = config.refresh;
    let kube = match super::kube::unconfigured_hint(&config.kube) {
        Some(h) => off(h),
        None => super::kube::spawn(config.kube.clone(), every, controls.clone()),
    };
    let pg = match pg_hint(&config.postgres) {
        Some(h) => off(h),
        None => spawn_poller(
            PgCollector::new(config.postgres.clone()),
            every,
            timeout_for(every),
            controls.clone(),
        ),
    };
    let redis = match redis_hint(&config.redis) {
        Some(h) => off(h),
        None => spawn_poller(
            RedisCollector::new(config.redis.clone()),
            every,
            timeout_for(every),
            controls.clone(),
        ),
    };
    let aws = match aws_hint(&config.aws) {
        Some(h) => off(h),
        None => {
            let e = config.aws.refresh;
            spawn_poller(
                AwsCollector::new(config.aws.clone()),
                e,
                timeout_for(e),
                controls.clone(),
            )
        }
    };
    let deps = match deps_hint(&config.deps) {
        Some(h) => off(h),
        None => spawn_poller(
            DepsCollector::new(config.deps.clone()),
            config.deps.refresh,
            // Every check has its own timeout; the round needs only a little more.
            config.deps.timeout + Duration::from_secs(2),
            controls.clone(),
        ),
    };
    let host = spawn_poller(
        HostCollector::new(),
        Duration::from_secs(5),
        Duration::from_secs(2),
        controls.clone(),
    );
    Channels {
        kube,
        pg,
        redis,
        aws,
        host,
        deps,
    }
}
