//! Paged LIST benchmark of kube-sim itself: starts the simulator binary as its own process,
//! reads every pod with `limit` + `continue` the way kube-rs and kubectl page, and reports
//! the wall time of the full list and the simulator's CPU and RSS (from /proc).
//!
//!     cargo build --release -p kube-sim --bin kube-sim --example list_bench
//!     target/release/examples/list_bench [PODS=100000] [NODES=5000] [LIMIT=500]
//!
//! KUBE_SIM_BIN=path picks the simulator binary (default: next to this example's directory).

use serde::de::IgnoredAny;
use serde::Deserialize;
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Deserialize)]
struct PodList {
    metadata: ListMeta,
    items: Vec<Item>,
}

#[derive(Deserialize)]
struct ListMeta {
    #[serde(rename = "resourceVersion")]
    resource_version: String,
    #[serde(rename = "continue")]
    cont: Option<String>,
}

#[derive(Deserialize)]
struct Item {
    metadata: ItemMeta,
    #[allow(dead_code)]
    spec: IgnoredAny,
}

#[derive(Deserialize)]
struct ItemMeta {
    name: String,
}

fn arg(i: usize, default: usize) -> usize {
    std::env::args()
        .nth(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn sim_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("KUBE_SIM_BIN") {
        return PathBuf::from(p);
    }
    // target/<profile>/examples/list_bench → target/<profile>/kube-sim
    std::env::current_exe()
        .ok()
        .and_then(|p| Some(p.parent()?.parent()?.join("kube-sim")))
        .unwrap_or_else(|| PathBuf::from("kube-sim"))
}

/// (CPU seconds, VmRSS MB, VmHWM MB) of a process, from /proc.
fn usage(pid: u32) -> (f64, f64, f64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, r)| r)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the ')'; 100 ticks/s.
    let cpu = (ticks(11) + ticks(12)) / 100.0;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (cpu, kb("VmRSS:"), kb("VmHWM:"))
}

/// One GET on a kept-alive connection; returns the body (Content-Length or chunked).
fn get(conn: &mut BufReader<TcpStream>, path: &str) -> Vec<u8> {
    let req = format!("GET {path} HTTP/1.1\r\nHost: kube-sim\r\nAccept: application/json\r\n\r\n");
    conn.get_mut().write_all(req.as_bytes()).expect("write");
    let mut line = String::new();
    conn.read_line(&mut line).expect("status line");
    assert!(line.contains(" 200 "), "GET {path}: {line}");
    let (mut len, mut chunked) = (0, false);
    loop {
        line.clear();
        conn.read_line(&mut line).expect("header");
        if line.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().expect("content-length");
            }
            if k.eq_ignore_ascii_case("transfer-encoding") && v.trim() == "chunked" {
                chunked = true;
            }
        }
    }
    if !chunked {
        let mut body = vec![0; len];
        conn.read_exact(&mut body).expect("body");
        return body;
    }
    let mut body = Vec::new();
    loop {
        line.clear();
        conn.read_line(&mut line).expect("chunk size");
        let n = usize::from_str_radix(line.trim(), 16).expect("chunk size");
        let start = body.len();
        body.resize(start + n + 2, 0); // the chunk and its CRLF
        conn.read_exact(&mut body[start..]).expect("chunk");
        body.truncate(start + n);
        if n == 0 {
            return body;
        }
    }
}

fn main() {
    let (pods, nodes, limit) = (arg(1, 100_000), arg(2, 5_000), arg(3, 500));
    let started = Instant::now();
    let mut child = Command::new(sim_binary())
        .args(["--listen", "127.0.0.1:0"])
        .args(["--pods", &pods.to_string(), "--nodes", &nodes.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start kube-sim (cargo build --release -p kube-sim, or set KUBE_SIM_BIN)");
    let pid = child.id();
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("kube-sim output");
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .expect("listening line")
        .to_string();
    let seeded = started.elapsed();
    std::thread::sleep(Duration::from_millis(500));
    let (cpu0, rss0, _) = usage(pid);
    let stream = TcpStream::connect(&addr).expect("connect");
    let mut conn = BufReader::with_capacity(1 << 20, stream);
    let t = Instant::now();
    let (mut names, mut pages, mut bytes, mut rv, mut token) =
        (Vec::new(), 0, 0usize, None::<String>, None::<String>);
    let mut max_rss = rss0;
    loop {
        let path = match &token {
            None => format!("/api/v1/pods?limit={limit}"),
            Some(c) => format!("/api/v1/pods?limit={limit}&continue={c}"),
        };
        let body = get(&mut conn, &path);
        bytes += body.len();
        pages += 1;
        let page: PodList = serde_json::from_slice(&body).expect("PodList");
        let page_rv = page.metadata.resource_version.clone();
        assert!(
            rv.get_or_insert(page_rv.clone()) == &page_rv,
            "every page is pinned to the first page's resourceVersion"
        );
        names.extend(page.items.into_iter().map(|i| i.metadata.name));
        max_rss = max_rss.max(usage(pid).1);
        match page.metadata.cont {
            Some(c) => token = Some(c),
            None => break,
        }
    }
    let wall = t.elapsed();
    let (cpu1, rss1, hwm) = usage(pid);
    let unique: HashSet<&String> = names.iter().collect();
    println!("kube-sim --pods {pods} --nodes {nodes}: ready after {seeded:.2?}, RSS {rss0:.0} MB");
    println!(
        "paged LIST limit={limit}: {} pods ({} unique) in {pages} pages, {:.1} MB, {wall:.2?}",
        names.len(),
        unique.len(),
        bytes as f64 / 1e6
    );
    println!(
        "kube-sim during the LIST: {:.2} s CPU, RSS {rss1:.0} MB after (max sampled {max_rss:.0} MB, VmHWM {hwm:.0} MB)",
        cpu1 - cpu0
    );
    let _ = child.kill();
    let _ = child.wait();
}
