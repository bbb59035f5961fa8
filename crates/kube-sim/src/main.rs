use clap::Parser;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// A fake Kubernetes API server (plain HTTP) for tests, demos and benchmarks.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Number of seeded pods.
    #[arg(long, default_value_t = 8)]
    pods: usize,
    /// Number of seeded nodes.
    #[arg(long, default_value_t = 3)]
    nodes: usize,
    /// Write a kubeconfig for the simulator here.
    #[arg(long)]
    kubeconfig_out: Option<PathBuf>,
    /// Bearer token required from clients.
    #[arg(long, default_value = "kube-sim-token")]
    token: String,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    #[arg(long, default_value_t = 800)]
    pod_startup_ms: u64,
    #[arg(long, default_value_t = 500)]
    termination_ms: u64,
    #[arg(long, default_value_t = 5000)]
    bookmark_ms: u64,
    #[arg(long, default_value_t = 15)]
    metrics_resolution_secs: u64,
    #[arg(long, default_value_t = 10_000)]
    history: usize,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let cli = Cli::parse();
    let opts = kube_sim::Options {
        listen: cli.listen,
        pods: cli.pods,
        nodes: cli.nodes,
        token: cli.token,
        seed: cli.seed,
        pod_startup: Duration::from_millis(cli.pod_startup_ms),
        termination_delay: Duration::from_millis(cli.termination_ms),
        bookmark_interval: Duration::from_millis(cli.bookmark_ms),
        metrics_resolution: Duration::from_secs(cli.metrics_resolution_secs),
        history: cli.history,
        ..Default::default()
    };
    let handle = kube_sim::start(opts).await?;
    println!("listening on {}", handle.addr);
    if let Some(path) = &cli.kubeconfig_out {
        handle.write_kubeconfig(path)?;
        println!("kubeconfig written to {}", path.display());
    }
    std::io::stdout().flush()?;
    tokio::signal::ctrl_c().await?;
    handle.shutdown();
    Ok(())
}
