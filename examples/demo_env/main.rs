//! The simulated platform behind `scripts/run` and `scripts/record-demo`: kube-sim
//! (the `kitops` namespace, kitops-backend ×5, kitops-frontend ×3, one pod
//! crash-looping, one node under memory pressure) and moto seeded with the ALB, its
//! target groups and the RDS instance, with an hour of their CloudWatch golden signals
//! in which an incident is under way (`signals.rs`), behind a front that lets moto
//! answer the p95 (`front.rs`); and the backend's health endpoint for a dependency
//! check. Creating `DIR/recovered` ends the incident: the signals fall back and the
//! health check answers 200. Writes `DIR/env` (shell exports for the console) and runs
//! until SIGINT, SIGTERM or SIGHUP (`scripts/run` quitting, a dropped SSH session), then
//! stops moto; moto also dies with this process if it is SIGKILLed. kube-sim runs
//! in-process.
//!
//! `cargo run --example demo_env -- DIR`

// A benchmark: a setup step that fails should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod front;
#[path = "../../tests/integration/support/moto.rs"]
mod moto;
mod signals;

use std::io::{Read, Write};
use std::path::PathBuf;

use kitops_top::collect::aws::cloudwatch::{lb_dimension, tg_dimension};

/// One plain HTTP/1.1 request to kube-sim; returns the response body.
fn http(addr: std::net::SocketAddr, method: &str, path: &str, token: &str, body: &str) -> String {
    let Ok(mut s) = std::net::TcpStream::connect(addr) else {
        return String::new();
    };
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = s.write_all(req.as_bytes());
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    text.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default()
}

/// The name of the first pod whose name starts with `prefix`.
fn first_pod(addr: std::net::SocketAddr, token: &str, prefix: &str) -> Option<String> {
    let body = http(addr, "GET", "/api/v1/namespaces/kitops/pods", token, "");
    // The body may be chunked; find the JSON object.
    let start = body.find('{')?;
    let end = body.rfind('}')?;
    let list: serde_json::Value = serde_json::from_str(&body[start..=end]).ok()?;
    list["items"].as_array()?.iter().find_map(|p| {
        let name = p["metadata"]["name"].as_str()?;
        name.starts_with(prefix).then(|| name.to_string())
    })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).ok_or("usage: demo_env DIR")?);
    std::fs::create_dir_all(&dir)?;

    let kube = kube_sim::start(kube_sim::Options::default()).await?;
    let kubeconfig = dir.join("kubeconfig");
    kube.write_kubeconfig(&kubeconfig)?;
    // Give the pods time to start, then make the incident visible.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let (addr, token) = (kube.addr, kube.token().to_string());
    tokio::task::spawn_blocking(move || {
        if let Some(pod) = first_pod(addr, &token, "kitops-backend-") {
            let body = format!(r#"{{"name":"{pod}","fault":"CrashLoopBackOff"}}"#);
            http(addr, "POST", "/_sim/pod-fault", &token, &body);
        }
        let node = r#"{"node":"kube-sim-node-1","type":"MemoryPressure","status":"True","reason":"KubeletHasInsufficientMemory"}"#;
        http(addr, "POST", "/_sim/node-condition", &token, node);
    })
    .await?;

    moto::fake_credentials_env();
    let aws = moto::Moto::start();
    let seeded = moto::seed(&aws).await;
    let recovered = dir.join("recovered");
    let dims = signals::Dimensions {
        load_balancer: lb_dimension(&seeded.lb_arn).ok_or("ALB ARN without loadbalancer/")?,
        target_groups: [(&seeded.api_tg, 2.0), (&seeded.web_tg, 1.0)]
            .into_iter()
            .filter_map(|(arn, healthy)| tg_dimension(arn).map(|d| (d, healthy)))
            .collect(),
    };
    tokio::spawn(signals::feed(aws.cloudwatch(), dims, recovered.clone()));
    let aws_front = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let aws_url = format!("http://{}", aws_front.local_addr()?);
    tokio::spawn(front::aws_front(aws_front, aws.port));
    let health = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let health_url = format!("http://{}/api/v1/health", health.local_addr()?);
    tokio::spawn(front::health(health, recovered));

    let env = format!(
        "export KUBECONFIG={kc}\nexport AWS_ENDPOINT_URL={url}\nexport AWS_REGION={region}\n\
         export AWS_ACCESS_KEY_ID={key}\nexport AWS_SECRET_ACCESS_KEY={key}\n\
         export KITOPS_DEMO_TARGET_GROUPS='--target-group kitops-api --target-group kitops-web'\n\
         export KITOPS_DEMO_HEALTH_URL={health_url}\n",
        kc = kubeconfig.display(),
        url = aws_url,
        region = moto::REGION,
        key = moto::KEY,
    );
    // Written last and atomically: its presence means everything is up.
    let tmp = dir.join("env.tmp");
    std::fs::write(&tmp, env)?;
    std::fs::rename(&tmp, dir.join("env"))?;
    eprintln!(
        "demo environment ready: kube-sim at {}, moto at {} (front {aws_url}), health {health_url}",
        kube.url(),
        aws.url()
    );
    wait_for_stop_signal().await?;
    // Dropping stops both simulators: moto is killed and reaped, kube-sim shut down.
    drop(aws);
    drop(kube);
    Ok(())
}

/// SIGINT, SIGTERM or SIGHUP: without handlers SIGTERM and SIGHUP end the process
/// before `Drop` runs, and the moto_server child would outlive it.
async fn wait_for_stop_signal() -> std::io::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    tokio::select! {
        _ = terminate.recv() => {}
        _ = hangup.recv() => {}
        _ = interrupt.recv() => {}
    }
    Ok(())
}
