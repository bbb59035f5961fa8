//! The local host (the bastion the console runs on): load and memory, so the
//! on-call engineer knows whether a sluggish console is the bastion's fault.

use serde::{Deserialize, Serialize};
use sysinfo::{MemoryRefreshKind, RefreshKind, System};

use super::{CollectError, Collector};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct HostData {
    pub hostname: String,
    pub load_1m: f64,
    pub cpus: usize,
    pub mem_used_bytes: u64,
    pub mem_total_bytes: u64,
}

pub struct HostCollector {
    system: Option<System>,
    hostname: String,
}

impl Default for HostCollector {
    fn default() -> Self {
        Self::new()
    }
}

impl HostCollector {
    pub fn new() -> Self {
        let system = System::new_with_specifics(
            RefreshKind::nothing().with_memory(MemoryRefreshKind::nothing().with_ram()),
        )
        .ok();
        Self {
            system,
            hostname: System::host_name().unwrap_or_else(|_| "localhost".into()),
        }
    }
}

impl Collector for HostCollector {
    type Data = HostData;

    fn name(&self) -> &'static str {
        "host"
    }

    async fn collect(&mut self) -> Result<HostData, CollectError> {
        let system = self.system.as_mut().ok_or_else(|| {
            CollectError::Query("host metrics unavailable on this platform".into())
        })?;
        system.refresh_memory_specifics(MemoryRefreshKind::nothing().with_ram());
        Ok(HostData {
            hostname: self.hostname.clone(),
            load_1m: System::load_average().map(|l| l.one).unwrap_or(0.0),
            cpus: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            mem_used_bytes: system.used_memory(),
            mem_total_bytes: system.total_memory(),
        })
    }
}
