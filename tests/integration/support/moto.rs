//! moto_server for the AWS tests: found via `KITOPS_MOTO_SERVER`, else
//! `.venv/bin/moto_server` in the repo, else `moto_server` on PATH (install:
//! `python3 -m venv .venv && .venv/bin/pip install 'moto[server]'`). Each test starts
//! its own server on a free port (isolated state), waits until it answers, and the
//! server is killed on drop — and, whatever happens, when the process ends (see
//! `spawn_guarded`: servers in statics, panics, SIGKILL). Also: seeding through the SDK (elbv2, rds) and raw EC2
//! query calls for the VPC and subnets (no aws-sdk-ec2 dependency).
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_elasticloadbalancingv2 as elbv2;
use aws_sdk_rds as rds;
use kitops_top::config::AwsSettings;

pub const REGION: &str = "us-east-1";
pub const KEY: &str = "testing";

pub fn moto_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("KITOPS_MOTO_SERVER") {
        return PathBuf::from(p);
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/moto_server");
    if venv.exists() {
        return venv;
    }
    PathBuf::from("moto_server")
}

pub struct Moto {
    child: Option<Child>,
    pub port: u16,
    env: Vec<(String, String)>,
}

impl Moto {
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// A server with extra environment (`MOTO_*` settings).
    pub fn start_with(env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let mut m = Moto {
            child: None,
            port,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        m.spawn();
        m
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn spawn(&mut self) {
        let bin = moto_bin();
        let mut command = Command::new(&bin);
        command
            .args(["-H", "127.0.0.1", "-p", &self.port.to_string()])
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = spawn_guarded(command).unwrap_or_else(|e| {
            panic!(
                "cannot start {} ({e}); install it: python3 -m venv .venv && .venv/bin/pip install 'moto[server]' (or set KITOPS_MOTO_SERVER)",
                bin.display()
            )
        });
        self.child = Some(child);
        self.wait_ready();
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(c) = self.child.as_mut() {
                if let Ok(Some(status)) = c.try_wait() {
                    panic!("moto_server exited early: {status}");
                }
            }
            if http(self.port, "GET", "/moto-api/data.json", &[], b"").is_ok() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "moto_server did not answer in 60s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Kills the server (the endpoint is then down; the port stays ours to reuse).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            kill_group(&mut c);
        }
    }

    /// Starts a fresh server on the same port (moto keeps no state across restarts).
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    /// From now on moto enforces IAM on every request (`/moto-api/reset-auth`).
    pub fn enforce_iam(&self) {
        let (status, body) = http(
            self.port,
            "POST",
            "/moto-api/reset-auth",
            &[("Content-Type", "text/plain")],
            b"0",
        )
        .expect("reset-auth");
        assert_eq!(status, 200, "reset-auth: {body}");
    }

    pub fn settings(&self) -> AwsSettings {
        Self::settings_for_url(&self.url())
    }

    pub fn settings_for_url(url: &str) -> AwsSettings {
        AwsSettings {
            region: Some(REGION.into()),
            profile: None,
            endpoint_url: Some(url.to_string()),
            rds_instance: "kitops-production".into(),
            target_groups: vec![],
            load_balancer: Some("kitops-alb".into()),
            refresh: Duration::from_secs(15),
        }
    }

    fn sdk_config(&self, key: &str, secret: &str) -> aws_config::SdkConfig {
        aws_config::SdkConfig::builder()
            .http_client(kitops_top::collect::aws::client::https_client())
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(REGION))
            .endpoint_url(self.url())
            .http_client(kitops_top::collect::aws::client::https_client())
            .credentials_provider(aws_sdk_rds::config::SharedCredentialsProvider::new(
                aws_sdk_rds::config::Credentials::new(key, secret, None, None, "tests"),
            ))
            .build()
    }

    pub fn elb(&self) -> elbv2::Client {
        elbv2::Client::new(&self.sdk_config(KEY, KEY))
    }

    pub fn rds(&self) -> rds::Client {
        rds::Client::new(&self.sdk_config(KEY, KEY))
    }

    pub fn cloudwatch(&self) -> aws_sdk_cloudwatch::Client {
        aws_sdk_cloudwatch::Client::new(&self.sdk_config(KEY, KEY))
    }

    /// One AWS query-protocol call (EC2, IAM) without an SDK; returns the XML body.
    pub fn query(&self, service: &str, params: &[(&str, &str)]) -> String {
        let body: String = params
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential=testing/20260101/{REGION}/{service}/aws4_request, SignedHeaders=host, Signature=0"
        );
        let (status, text) = http(
            self.port,
            "POST",
            "/",
            &[
                (
                    "Content-Type",
                    "application/x-www-form-urlencoded; charset=utf-8",
                ),
                ("Authorization", &auth),
            ],
            body.as_bytes(),
        )
        .expect("query call");
        assert!(status < 300, "{service} {params:?}: {status} {text}");
        text
    }
}

/// What starting a child gave.
type Spawned = std::io::Result<Child>;
type SpawnRequest = (Command, std::sync::mpsc::Sender<Spawned>);

/// Starts `command` so that it cannot outlive this process: in a process group of its
/// own (so [`kill_group`] takes any children it forks too), with the kernel asked to
/// SIGKILL it when the thread that forked it ends. That thread is one spawner thread
/// that lives as long as the process, so the signal comes exactly when the process
/// ends — by returning, by a panic, or by SIGKILL — which also covers servers held in
/// statics (the fault matrix's shared world), whose `Drop` never runs.
pub fn spawn_guarded(command: Command) -> Spawned {
    static SPAWNER: std::sync::OnceLock<std::sync::mpsc::Sender<SpawnRequest>> =
        std::sync::OnceLock::new();
    let spawner = SPAWNER.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<SpawnRequest>();
        std::thread::Builder::new()
            .name("child-spawner".into())
            .spawn(move || {
                for (mut command, reply) in rx {
                    die_with_process(&mut command);
                    let _ = reply.send(command.spawn());
                }
            })
            .expect("spawner thread starts");
        tx
    });
    let (reply, answer) = std::sync::mpsc::channel();
    spawner
        .send((command, reply))
        .map_err(|_| std::io::Error::other("spawner thread gone"))?;
    answer
        .recv()
        .map_err(|_| std::io::Error::other("spawner thread gone"))?
}

/// SIGKILLs `child`'s whole process group and reaps it.
pub fn kill_group(child: &mut Child) {
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals that process group; no memory involved.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Its own process group, and SIGKILL from the kernel when the forking thread dies.
fn die_with_process(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    let parent = std::process::id();
    command.process_group(0);
    // SAFETY: between fork and exec only async-signal-safe calls (prctl, getppid).
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent may have died before prctl took effect.
            if libc::getppid() as u32 != parent {
                return Err(std::io::Error::other("parent exited"));
            }
            Ok(())
        });
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Minimal HTTP/1.1 client: one request, `Connection: close`, whole body.
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes())?;
    s.write_all(body)?;
    let mut out = Vec::new();
    s.read_to_end(&mut out)?;
    let text = String::from_utf8_lossy(&out).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other("no HTTP status"))?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

/// The text of the first `<tag>…</tag>` in `xml`.
pub fn xml_field(xml: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = xml
        .find(&open)
        .unwrap_or_else(|| panic!("<{tag}> not in {xml}"))
        + open.len();
    let end = xml[start..].find(&close).expect("closing tag") + start;
    xml[start..end].to_string()
}

/// What `seed` created.
pub struct Seeded {
    pub vpc: String,
    pub lb_arn: String,
    pub api_tg: String,
    pub web_tg: String,
}

/// A VPC with two subnets and the ALB `kitops-alb` in them: the VPC id and the ALB.
pub async fn vpc_and_alb(
    m: &Moto,
) -> (
    String,
    elbv2::operation::create_load_balancer::CreateLoadBalancerOutput,
) {
    let vpc = xml_field(
        &m.query(
            "ec2",
            &[
                ("Action", "CreateVpc"),
                ("Version", "2016-11-15"),
                ("CidrBlock", "10.0.0.0/16"),
            ],
        ),
        "vpcId",
    );
    let mut subnets = Vec::new();
    for (cidr, az) in [("10.0.1.0/24", "us-east-1a"), ("10.0.2.0/24", "us-east-1b")] {
        subnets.push(xml_field(
            &m.query(
                "ec2",
                &[
                    ("Action", "CreateSubnet"),
                    ("Version", "2016-11-15"),
                    ("VpcId", &vpc),
                    ("CidrBlock", cidr),
                    ("AvailabilityZone", az),
                ],
            ),
            "subnetId",
        ));
    }
    let elb = m.elb();
    let lb = elb
        .create_load_balancer()
        .name("kitops-alb")
        .set_subnets(Some(subnets))
        .send()
        .await
        .expect("create ALB");
    (vpc, lb)
}

/// A VPC with two subnets, the ALB `kitops-alb` with target groups `kitops-api`
/// (two IP targets, port 8080) and `kitops-web` (one target, port 3000), the
/// Multi-AZ PostgreSQL instance `kitops-production` and the single-AZ `kitops-single`.
pub async fn seed(m: &Moto) -> Seeded {
    let (vpc, lb) = vpc_and_alb(m).await;
    let elb = m.elb();
    let lb_arn = lb.load_balancers()[0]
        .load_balancer_arn()
        .expect("lb arn")
        .to_string();
    let mut tgs = Vec::new();
    for (name, port, path) in [
        ("kitops-api", 8080, "/api/v1/health"),
        ("kitops-web", 3000, "/"),
    ] {
        let r = elb
            .create_target_group()
            .name(name)
            .protocol(elbv2::types::ProtocolEnum::Http)
            .port(port)
            .vpc_id(&vpc)
            .target_type(elbv2::types::TargetTypeEnum::Ip)
            .health_check_path(path)
            .health_check_interval_seconds(30)
            .health_check_timeout_seconds(5)
            .healthy_threshold_count(5)
            .unhealthy_threshold_count(2)
            .send()
            .await
            .expect("create target group");
        let arn = r.target_groups()[0]
            .target_group_arn()
            .expect("tg arn")
            .to_string();
        elb.create_listener()
            .load_balancer_arn(&lb_arn)
            .protocol(elbv2::types::ProtocolEnum::Http)
            .port(if port == 8080 { 80 } else { 81 })
            .default_actions(
                elbv2::types::Action::builder()
                    .r#type(elbv2::types::ActionTypeEnum::Forward)
                    .target_group_arn(&arn)
                    .build(),
            )
            .send()
            .await
            .expect("create listener");
        tgs.push(arn);
    }
    let target = |ip: &str, port: i32| {
        elbv2::types::TargetDescription::builder()
            .id(ip)
            .port(port)
            .build()
    };
    elb.register_targets()
        .target_group_arn(&tgs[0])
        .targets(target("10.0.1.10", 8080))
        .targets(target("10.0.2.11", 8080))
        .send()
        .await
        .expect("register api targets");
    elb.register_targets()
        .target_group_arn(&tgs[1])
        .targets(target("10.0.1.20", 3000))
        .send()
        .await
        .expect("register web target");
    let rds = m.rds();
    for (id, multi_az) in [("kitops-production", true), ("kitops-single", false)] {
        rds.create_db_instance()
            .db_instance_identifier(id)
            .engine("postgres")
            .engine_version("15.4")
            .db_instance_class("db.r6g.large")
            .allocated_storage(100)
            .master_username("kitops")
            .master_user_password("not-a-secret-1")
            .multi_az(multi_az)
            .availability_zone_if(!multi_az, "us-east-1a")
            .send()
            .await
            .expect("create db instance");
    }
    Seeded {
        vpc,
        lb_arn,
        api_tg: tgs[0].clone(),
        web_tg: tgs[1].clone(),
    }
}

trait AzIf {
    fn availability_zone_if(self, cond: bool, az: &str) -> Self;
}

impl AzIf for rds::operation::create_db_instance::builders::CreateDBInstanceFluentBuilder {
    fn availability_zone_if(self, cond: bool, az: &str) -> Self {
        if cond {
            self.availability_zone(az)
        } else {
            self
        }
    }
}

/// Sets fake credentials for the SDK's default chain once per test binary, before
/// any test talks to AWS, so tests never depend on (or touch) ambient credentials.
pub fn fake_credentials_env() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        for k in [
            "AWS_PROFILE",
            "AWS_SESSION_TOKEN",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_ROLE_ARN",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "AWS_ENDPOINT_URL",
        ] {
            std::env::remove_var(k);
        }
        std::env::set_var("AWS_ACCESS_KEY_ID", KEY);
        std::env::set_var("AWS_SECRET_ACCESS_KEY", KEY);
        std::env::set_var("AWS_CONFIG_FILE", "/nonexistent/kitops-top-test/config");
        std::env::set_var(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/kitops-top-test/credentials",
        );
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    });
}

/// A tiny HTTP server that answers every request with one AWS query-protocol
/// error (e.g. 400 Throttling); returns its port. Lives until the test binary exits.
pub fn error_stub(status: u16, code: &str, message: &str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind stub");
    let port = listener.local_addr().expect("stub addr").port();
    let body = format!(
        "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>stub</RequestId></ErrorResponse>"
    );
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let body = body.clone();
            std::thread::spawn(move || {
                let _ = read_request(&mut s);
                let resp = format!(
                    "HTTP/1.1 {status} Error\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(resp.as_bytes());
            });
        }
    });
    port
}

fn read_request(s: &mut TcpStream) -> std::io::Result<()> {
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = s.read(&mut chunk)?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if http_request_complete(&buf) {
            return Ok(());
        }
    }
}

/// Whether `buf` holds a whole HTTP request: its head and a body of its Content-Length.
pub fn http_request_complete(buf: &[u8]) -> bool {
    let text = String::from_utf8_lossy(buf);
    let Some((head, rest)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    let len = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())
                .flatten()
        })
        .unwrap_or(0);
    rest.len() >= len
}
