//! Test-started redis-server instances on free local ports, so tests that change
//! global server state (CONFIG RESETSTAT, policies, kills) never touch the shared
//! 127.0.0.1:6379. Each server lives in its own temp dir and dies with its guard.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use kitops_top::app::State;
use kitops_top::config::{Config, RedisSettings, SecretUrl};

pub const REDIS_SERVER: &str = "redis-server";

/// A port that is free now, and whose cluster bus port (+10000) is free too.
pub fn free_port() -> u16 {
    loop {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
        let port = l.local_addr().expect("local addr").port();
        if port < 55_000 && TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
            return port;
        }
    }
}

pub struct TestServer {
    pub port: u16,
    child: Option<Child>,
    args: Vec<String>,
    pub dir: tempfile::TempDir,
    /// TLS servers listen on `--tls-port`; the plain port is 0.
    pub tls: bool,
}

impl TestServer {
    /// A plain server: `redis-server --port P --save "" --appendonly no` plus `extra`.
    pub fn start(extra: &[&str]) -> Self {
        Self::launch(false, |port| {
            let mut args = vec!["--port".to_string(), port.to_string()];
            args.extend(extra.iter().map(|s| s.to_string()));
            args
        })
    }

    /// A TLS-only server with the given certificate files.
    pub fn start_tls(cert: &Path, key: &Path, ca: &Path) -> Self {
        Self::launch(true, |port| {
            vec![
                "--port".into(),
                "0".into(),
                "--tls-port".into(),
                port.to_string(),
                "--tls-cert-file".into(),
                cert.display().to_string(),
                "--tls-key-file".into(),
                key.display().to_string(),
                "--tls-ca-cert-file".into(),
                ca.display().to_string(),
                "--tls-auth-clients".into(),
                "no".into(),
            ]
        })
    }

    /// Starts on a free port; if another test grabbed it in between, tries another.
    fn launch(tls: bool, args_for: impl Fn(u16) -> Vec<String>) -> Self {
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port();
            let dir = tempfile::tempdir().expect("tempdir");
            let mut args = args_for(port);
            for a in [
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--bind",
                "127.0.0.1",
                "--dir",
            ] {
                args.push(a.into());
            }
            args.push(dir.path().display().to_string());
            let mut s = Self {
                port,
                child: None,
                args,
                dir,
                tls,
            };
            match s.try_spawn() {
                Ok(()) => return s,
                Err(e) if e.contains("Address already in use") => last = e,
                Err(e) => panic!("{e}"),
            }
        }
        panic!("no free port for redis-server: {last}");
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("redis.log")
    }

    fn try_spawn(&mut self) -> Result<(), String> {
        let log = self.log_path();
        let _ = std::fs::remove_file(&log);
        let mut command = Command::new(REDIS_SERVER);
        command
            .args(&self.args)
            .arg("--logfile")
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // Dies with the test binary even when held in a static or the test panics.
        let child = super::moto::spawn_guarded(command)
            .map_err(|e| format!("redis-server does not start (is it installed?): {e}"))?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if text.contains("Ready to accept connections") {
                return Ok(());
            }
            if let Some(c) = self.child.as_mut() {
                if let Ok(Some(status)) = c.try_wait() {
                    self.child = None;
                    return Err(format!("redis-server exited ({status}): {text}"));
                }
            }
            if Instant::now() > deadline {
                self.kill();
                return Err(format!("redis-server on {} not ready: {text}", self.port));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            super::moto::kill_group(&mut c);
        }
    }

    /// Kills and starts again on the same port (new run_id, counters from zero).
    pub fn restart(&mut self) {
        self.kill();
        if let Err(e) = self.try_spawn() {
            panic!("restart on the same port: {e}");
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn url_with(&self, userinfo: &str) -> String {
        format!("redis://{userinfo}@127.0.0.1:{}", self.port)
    }

    /// A synchronous client connection for driving the server from the test.
    pub fn conn(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .expect("client")
            .get_connection()
            .expect("connect to the test server")
    }

    pub fn conn_as(&self, userinfo: &str) -> redis::Connection {
        redis::Client::open(self.url_with(userinfo))
            .expect("client")
            .get_connection()
            .expect("connect to the test server")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn settings(url: &str) -> RedisSettings {
    RedisSettings {
        url: Some(SecretUrl::new(url)),
        hit_rate_warn_percent: 80.0,
        ca_file: None,
    }
}

/// A fixed clock for render checks.
pub fn t0() -> SystemTime {
    super::clock::at(1_790_000_000)
}

/// The default test config with Redis pointed at `url` and the audit log in `audit`.
pub fn config_for(url: &str, audit: &Path) -> Config {
    let base = State::for_tests(t0());
    let mut c: Config = (*base.config).clone();
    c.redis = settings(url);
    c.audit_log = audit.to_path_buf();
    c
}

/// Runs a redis-cli command line and returns its stdout.
pub fn redis_cli(args: &[&str]) -> String {
    let out = Command::new("redis-cli")
        .args(args)
        .output()
        .expect("redis-cli runs");
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// Three `--cluster-enabled yes` primaries joined with `redis-cli --cluster create`.
pub fn start_cluster() -> Vec<TestServer> {
    let nodes: Vec<TestServer> = (0..3)
        .map(|_| TestServer::start(&["--cluster-enabled", "yes", "--cluster-node-timeout", "5000"]))
        .collect();
    let addrs: Vec<String> = nodes
        .iter()
        .map(|n| format!("127.0.0.1:{}", n.port))
        .collect();
    let mut args = vec!["--cluster", "create"];
    args.extend(addrs.iter().map(String::as_str));
    args.extend(["--cluster-replicas", "0", "--cluster-yes"]);
    let out = redis_cli(&args);
    assert!(
        out.contains("All 16384 slots covered"),
        "cluster create: {out}"
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    for n in &nodes {
        loop {
            let info: String = redis::cmd("CLUSTER")
                .arg("INFO")
                .query(&mut n.conn())
                .unwrap_or_default();
            if info.contains("cluster_state:ok") {
                break;
            }
            assert!(Instant::now() < deadline, "cluster never became ok: {info}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    nodes
}

/// Generates a CA and a server certificate for 127.0.0.1/localhost with the openssl CLI.
/// Returns (ca.crt, server.crt, server.key).
pub fn make_certs(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let p = |n: &str| dir.join(n);
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .output()
            .expect("openssl runs");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let s = |x: PathBuf| x.display().to_string();
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=kitops-test-ca",
        "-keyout",
        &s(p("ca.key")),
        "-out",
        &s(p("ca.crt")),
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        &s(p("server.key")),
        "-out",
        &s(p("server.csr")),
    ]);
    std::fs::write(
        p("ext.cnf"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .expect("write ext");
    run(&[
        "x509",
        "-req",
        "-in",
        &s(p("server.csr")),
        "-CA",
        &s(p("ca.crt")),
        "-CAkey",
        &s(p("ca.key")),
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        &s(p("ext.cnf")),
        "-out",
        &s(p("server.crt")),
    ]);
    (p("ca.crt"), p("server.crt"), p("server.key"))
}
