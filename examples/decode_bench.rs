//! What decoding the first LIST costs the collector, per pod, apart from the network
//! and the server: kube-sim's pages of 500 pods (as a real API server sends them,
//! `managedFields` included) are fetched once, then decoded again and again on one
//! thread, timed in thread CPU time (another process on the cores still slows it by
//! sharing caches: compare binaries in interleaved runs):
//!
//! - `scan`: only read through (serde's `IgnoredAny`): the floor of any JSON decode;
//! - `full`: into `k8s_openapi::Pod`, what a kube-rs watcher of `Pod` decodes;
//! - `slim`: into the console's `SlimPod`, then `model::pod_info` (what the store keeps).
//!
//! Run:
//!
//! ```text
//! cargo build --release -p kitops-top --example decode_bench
//! target/release/examples/decode_bench [PODS=20000] [ROUNDS=5]
//! ```

// A benchmark: a setup step that fails should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/api_list.rs"]
mod api_list;

#[path = "support/thread_cpu.rs"]
mod thread_cpu;
use thread_cpu::thread_cpu;

use k8s_openapi::api::core::v1::Pod;
use kitops_top::collect::kube::model::{pod_info, SlimPod};
use kube::core::ObjectList;
use serde::de::IgnoredAny;

fn arg(i: usize, default: usize) -> usize {
    std::env::args()
        .nth(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

/// Thread CPU time of `decode` over every page, per pod (µs), median of `rounds`.
fn per_pod(pages: &[String], pods: usize, rounds: usize, decode: impl Fn(&str) -> usize) -> f64 {
    let mut took: Vec<f64> = (0..rounds)
        .map(|_| {
            let start = thread_cpu();
            let n: usize = pages.iter().map(|p| decode(p)).sum();
            assert_eq!(n, pods);
            (thread_cpu() - start).as_secs_f64() * 1e6 / pods as f64
        })
        .collect();
    took.sort_by(f64::total_cmp);
    took[took.len() / 2]
}

fn main() {
    let (pods, rounds) = (arg(1, 20_000), arg(2, 5));
    let sim = kube_sim::start_background(kube_sim::Options {
        pods,
        nodes: (pods / 20).max(1),
        ..kube_sim::Options::default()
    })
    .expect("kube-sim starts");
    let addr = sim.addr.to_string();
    let pages: Vec<String> = api_list::pages(&addr, sim.token())
        .into_iter()
        .map(|b| String::from_utf8(b).expect("UTF-8"))
        .collect();
    let bytes: usize = pages.iter().map(String::len).sum();
    println!(
        "{pods} pods in {} pages, {:.1} MB ({:.0} bytes a pod); thread CPU per pod, median of {rounds}:",
        pages.len(),
        bytes as f64 / 1e6,
        bytes as f64 / pods as f64
    );
    let scan = per_pod(&pages, pods, rounds, |p| {
        #[derive(serde::Deserialize)]
        struct Items {
            items: Vec<IgnoredAny>,
        }
        serde_json::from_str::<Items>(p).unwrap().items.len()
    });
    let full = per_pod(&pages, pods, rounds, |p| {
        serde_json::from_str::<ObjectList<Pod>>(p)
            .unwrap()
            .items
            .len()
    });
    let slim = per_pod(&pages, pods, rounds, |p| {
        let list = serde_json::from_str::<ObjectList<SlimPod>>(p).unwrap();
        list.items.into_iter().map(pod_info).count()
    });
    println!("  scan (IgnoredAny)       {scan:6.2} µs");
    println!("  full (k8s_openapi Pod)  {full:6.2} µs");
    println!("  slim (SlimPod+pod_info) {slim:6.2} µs");
}
