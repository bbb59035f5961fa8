//! The fault matrix: every source (PostgreSQL, Redis, Kubernetes, AWS) under each fault
//! — refused, accepts-and-hangs, slow replies, error replies, restart, a stream dropped
//! mid-way — driven through the real collectors (`spawn_all`, so the real timeouts and
//! backoff), the real reducer (`app::update`) and the real renderer (`render_to_string`),
//! with the other three sources live beside it. Each cell checks what docs/RELIABILITY.md
//! says it does: the pane shows the error and the age of its last good data, the other
//! panes stay live, a key still changes the state, and the pane recovers by itself once
//! the fault clears. `CELLS` is the table; `reliability_doc_prints_the_matrix` keeps the
//! document's copy of it in step.
//!
//! The faults are made by a switchable TCP proxy (`support::proxy`) in front of the real
//! server, by fake servers speaking each protocol's error (also the proxy), by kube-sim's
//! fault endpoints, and by restarting private servers.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kitops_top::app::event::{Command, Event, SourceUpdate};
use kitops_top::app::update::update;
use kitops_top::app::{PaneId, State};
use kitops_top::collect::aws::AwsData;
use kitops_top::collect::kube::KubeData;
use kitops_top::collect::postgres::PgData;
use kitops_top::collect::redis::RedisData;
use kitops_top::collect::sources::spawn_all;
use kitops_top::collect::{Controls, Snapshot};
use kitops_top::config::{Config, SecretUrl};
use kitops_top::ui::render_to_string;
use tokio::sync::{mpsc, watch};

use crate::support::kube::{self as ksupport, FailRule, ForbidRule};
use crate::support::moto::{self, Moto};
use crate::support::pg;
use crate::support::pg_cluster::Cluster;
use crate::support::proxy::{Canned, Mode, Proxy};
use crate::support::redis::TestServer;

/// The one collection timeout the runner uses at the test refresh (250 ms → 3 s).
const REFRESH: Duration = Duration::from_millis(250);
/// AWS polls at 2 s here (4 s timeout): the SDK's own throttling retries fit inside it.
const AWS_REFRESH: Duration = Duration::from_secs(2);
/// A reply delayed by this is past every collection timeout above.
const SLOW: Duration = Duration::from_secs(5);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Src {
    Postgres,
    Redis,
    Kube,
    Aws,
}

impl Src {
    fn name(self) -> &'static str {
        match self {
            Src::Postgres => "PostgreSQL",
            Src::Redis => "Redis",
            Src::Kube => "Kubernetes (kube-sim)",
            Src::Aws => "AWS (moto)",
        }
    }

    /// The panes this source feeds.
    fn panes(self) -> &'static [PaneId] {
        match self {
            Src::Postgres => &[PaneId::PgActivity, PaneId::PgLocks],
            Src::Redis => &[PaneId::Redis],
            Src::Kube => &[PaneId::Pods, PaneId::Nodes],
            Src::Aws => &[PaneId::Targets],
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    Refused,
    Hangs,
    Slow,
    /// The proxy answers every request itself with this protocol error.
    PgTooManyConnections,
    RedisLoading,
    AwsThrottling,
    AwsAccessDenied,
    /// kube-sim answers every request with this status (403 via a forbid rule).
    KubeStatus(u16),
    /// The watch history is compacted and the watches dropped: the resume gets 410 Gone.
    KubeGone,
    /// The server process stops and starts again on the same port.
    Restart,
    /// Every open connection (the watches, the pooled connection) is cut; new ones pass.
    Drop,
    /// The follow-log stream of the logs view ends (kube-sim ends every stream).
    LogFollowDrop,
}

/// What a cell is checked to do while the fault lasts.
#[derive(Clone, Copy, Debug)]
pub enum Expect {
    /// ✓: the title turns `✖ stale <age>` and the pane shows this text; recovers by itself.
    Error(&'static str),
    /// The fault is absorbed (a reconnect or re-list): `● live` stays, and a change made
    /// after it still reaches the screen.
    Absorbed,
    /// The logs view says it is reconnecting, then that it resumed, and the lines
    /// continue with none twice and none missing.
    LogResumed,
}

pub struct Cell {
    pub source: Src,
    pub fault: Fault,
    pub how: &'static str,
    pub expect: Expect,
}

const fn cell(source: Src, fault: Fault, how: &'static str, expect: Expect) -> Cell {
    Cell {
        source,
        fault,
        how,
        expect,
    }
}

use Expect::*;
use Fault::*;
use Src::*;

/// The matrix. Its printed form is in docs/RELIABILITY.md (checked below).
pub const CELLS: &[Cell] = &[
    cell(
        Postgres,
        Refused,
        "proxy port closed",
        Error("Connection refused"),
    ),
    cell(
        Postgres,
        Hangs,
        "proxy accepts, forwards nothing",
        Error("timed out after 3s"),
    ),
    cell(
        Postgres,
        Slow,
        "proxy delays every reply 5 s",
        Error("timed out after 3s"),
    ),
    cell(
        Postgres,
        PgTooManyConnections,
        "fake server: FATAL 53300",
        Error("sorry, too many clients already"),
    ),
    cell(
        Postgres,
        Restart,
        "private cluster: pg_ctl stop, start",
        Error("Connection refused"),
    ),
    cell(Postgres, Drop, "proxy cuts the open connection", Absorbed),
    cell(
        Redis,
        Refused,
        "proxy port closed",
        Error("Connection refused"),
    ),
    cell(
        Redis,
        Hangs,
        "proxy accepts, forwards nothing",
        Error("timed out after 3s"),
    ),
    cell(
        Redis,
        Slow,
        "proxy delays every reply 5 s",
        Error("timed out after 3s"),
    ),
    cell(
        Redis,
        RedisLoading,
        "fake server: -LOADING to every command",
        Error("BusyLoading: Redis is loading the dataset"),
    ),
    cell(
        Redis,
        Restart,
        "private redis-server killed, started again",
        Error("Connection refused"),
    ),
    cell(Redis, Drop, "proxy cuts the open connection", Error("")),
    cell(
        Kube,
        Refused,
        "proxy port closed, watches cut",
        Error("client error (Connect)"),
    ),
    cell(
        Kube,
        Hangs,
        "proxy accepts, forwards nothing",
        Error("API server not answering: GET /version timed out after 3s"),
    ),
    cell(
        Kube,
        Slow,
        "proxy delays every reply 5 s",
        Error("API server not answering: GET /version timed out after 3s"),
    ),
    cell(
        Kube,
        KubeStatus(500),
        "kube-sim /_sim/fail 500 + watches dropped",
        Error("(500)"),
    ),
    cell(
        Kube,
        KubeStatus(403),
        "kube-sim /_sim/forbid * + watches dropped",
        Error("forbidden"),
    ),
    cell(
        Kube,
        KubeGone,
        "kube-sim /_sim/compact + watches dropped",
        Absorbed,
    ),
    cell(
        Kube,
        KubeStatus(429),
        "kube-sim /_sim/fail 429 (Retry-After 2) + watches dropped",
        Error("throttled (429) on watch pods, retrying in 2s"),
    ),
    cell(Kube, Drop, "proxy cuts every watch", Absorbed),
    cell(
        Kube,
        LogFollowDrop,
        "kube-sim ends the follow stream",
        LogResumed,
    ),
    cell(
        Aws,
        Refused,
        "proxy port closed",
        Error("cannot reach AWS endpoint"),
    ),
    cell(
        Aws,
        Hangs,
        "proxy accepts, forwards nothing",
        Error("timed out after 4s"),
    ),
    cell(
        Aws,
        Slow,
        "proxy delays every reply 5 s",
        Error("timed out after 4s"),
    ),
    cell(
        Aws,
        AwsThrottling,
        "fake endpoint: 400 Throttling",
        Error("throttled on"),
    ),
    cell(
        Aws,
        AwsAccessDenied,
        "fake endpoint: 403 AccessDenied",
        Error("AccessDenied"),
    ),
];

fn fault_name(f: Fault) -> String {
    match f {
        Refused => "connection refused".into(),
        Hangs => "accepts and hangs".into(),
        Slow => "slow (reply after 5 s)".into(),
        PgTooManyConnections => "error: too many connections".into(),
        RedisLoading => "error: LOADING".into(),
        AwsThrottling => "error: throttling".into(),
        AwsAccessDenied => "error: AccessDenied".into(),
        KubeStatus(c) => format!("error: HTTP {c}"),
        KubeGone => "error: 410 Gone (history compacted)".into(),
        Restart => "server restart".into(),
        Drop => "drop mid-stream".into(),
        LogFollowDrop => "drop mid-stream (log follow)".into(),
    }
}

fn result_text(e: Expect) -> String {
    match e {
        Error("") => "✓ one round fails (`broken pipe` or `connection reset`), the next reconnects".into(),
        Error(s) => format!("✓ `{s}`"),
        Absorbed => "✓ absorbed: reconnects (or re-lists) without an error; stays `● live`, fresh data follows".into(),
        LogResumed => "✓ resumed: the logs view says `reconnecting…` then `resumed`; it asks for the lines since the last one seen (`sinceTime`), none twice, none missing".into(),
    }
}

/// The markdown table docs/RELIABILITY.md carries.
pub fn matrix_markdown() -> String {
    let mut out = String::from("| source | fault | injected by | result |\n|---|---|---|---|\n");
    for c in CELLS {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            c.source.name(),
            fault_name(c.fault),
            c.how,
            result_text(c.expect)
        ));
    }
    out
}

#[test]
fn reliability_doc_prints_the_matrix() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/RELIABILITY.md"))
        .expect("docs/RELIABILITY.md");
    let table = matrix_markdown();
    assert!(
        doc.contains(&table),
        "docs/RELIABILITY.md must carry the fault matrix exactly as the test runs it:\n\n{table}"
    );
}

// ---------------------------------------------------------------------------------------
// The healthy world: one live source of each kind, shared by every cell as "the other
// panes". It runs on its own runtime so it outlives the test that started it.

struct World {
    config: Config,
    kube: watch::Receiver<Snapshot<KubeData>>,
    pg: watch::Receiver<Snapshot<PgData>>,
    redis: watch::Receiver<Snapshot<RedisData>>,
    aws: watch::Receiver<Snapshot<AwsData>>,
    moto: Moto,
    redis_server: TestServer,
    _sim: kube_sim::Handle,
    _dir: tempfile::TempDir,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        std::thread::spawn(|| {
            moto::fake_credentials_env();
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("world runtime");
            let world = rt.block_on(async {
                let dir = tempfile::tempdir().expect("tempdir");
                let sim = kube_sim::start(ksupport::fast_options())
                    .await
                    .expect("kube-sim");
                let kc = dir.path().join("kubeconfig");
                sim.write_kubeconfig(&kc).expect("kubeconfig");
                let moto = Moto::start();
                moto::seed(&moto).await;
                let redis_server = TestServer::start(&[]);
                let mut config = ksupport::config_for(&kc, dir.path());
                config.refresh = REFRESH;
                config.postgres = pg::settings();
                config.redis = crate::support::redis::settings(&redis_server.url());
                config.aws = Moto::settings_for_url(&moto.url());
                config.aws.refresh = AWS_REFRESH;
                let (pause, controls) = Controls::free_running();
                std::mem::forget(pause);
                let ch = spawn_all(&config, &controls);
                World {
                    config,
                    kube: ch.kube,
                    pg: ch.pg,
                    redis: ch.redis,
                    aws: ch.aws,
                    moto,
                    redis_server,
                    _sim: sim,
                    _dir: dir,
                }
            });
            // The collectors keep running on the runtime's worker for the binary's life.
            Box::leak(Box::new(rt));
            world
        })
        .join()
        .expect("world starts")
    })
}

/// `config` with only `only`'s source left on, for `spawn_all` to start just that one.
fn only(config: &Config, src: Src) -> Config {
    let mut c = config.clone();
    if src != Kube {
        c.kube.enabled = false;
    }
    if src != Postgres {
        c.postgres.url = None;
    }
    if src != Redis {
        c.redis.url = None;
    }
    if src != Aws {
        c.aws.region = None;
        c.aws.endpoint_url = None;
    }
    c
}

// ---------------------------------------------------------------------------------------
// The console under test: the reducer fed by the faulted source and the healthy others,
// as runtime.rs feeds it, rendered after every event.

struct Console {
    state: State,
    kube: watch::Receiver<Snapshot<KubeData>>,
    pg: watch::Receiver<Snapshot<PgData>>,
    redis: watch::Receiver<Snapshot<RedisData>>,
    aws: watch::Receiver<Snapshot<AwsData>>,
    open: [bool; 4],
    logs: Option<mpsc::Receiver<Vec<String>>>,
    log_task: Option<tokio::task::JoinHandle<()>>,
}

impl Console {
    fn new(config: Config, src: Src, faulted: Channels) -> Console {
        let w = world();
        let mut c = Console {
            state: State::with_config(config, SystemTime::now()),
            kube: faulted.kube.unwrap_or_else(|| w.kube.clone()),
            pg: faulted.pg.unwrap_or_else(|| w.pg.clone()),
            redis: faulted.redis.unwrap_or_else(|| w.redis.clone()),
            aws: faulted.aws.unwrap_or_else(|| w.aws.clone()),
            open: [true; 4],
            logs: None,
            log_task: None,
        };
        let _ = src;
        let evs = [
            Event::Source(SourceUpdate::Kube(c.kube.borrow_and_update().clone())),
            Event::Source(SourceUpdate::Postgres(c.pg.borrow_and_update().clone())),
            Event::Source(SourceUpdate::Redis(c.redis.borrow_and_update().clone())),
            Event::Source(SourceUpdate::Aws(c.aws.borrow_and_update().clone())),
        ];
        for e in evs {
            c.handle(e);
        }
        c
    }

    fn handle(&mut self, event: Event) {
        for command in update(&mut self.state, event) {
            if let Command::StartLogs(request) = command {
                let (tx, rx) = mpsc::channel(16);
                if let Some(t) = self.log_task.take() {
                    t.abort();
                }
                self.log_task = Some(kitops_top::collect::kube::spawn_logs(
                    self.state.config.kube.clone(),
                    request,
                    tx,
                ));
                self.logs = Some(rx);
            }
        }
    }

    fn key(&mut self, code: KeyCode) {
        self.handle(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    fn screen(&self) -> String {
        render_to_string(&self.state, 200, 60)
    }

    /// Waits for the next event (a snapshot, log lines, or 200 ms), then ticks the clock.
    async fn pump(&mut self) {
        let [k, p, r, a] = self.open;
        let event = tokio::select! {
            ch = self.kube.changed(), if k => match ch {
                Ok(()) => Some(Event::Source(SourceUpdate::Kube(self.kube.borrow_and_update().clone()))),
                Err(_) => { self.open[0] = false; None }
            },
            ch = self.pg.changed(), if p => match ch {
                Ok(()) => Some(Event::Source(SourceUpdate::Postgres(self.pg.borrow_and_update().clone()))),
                Err(_) => { self.open[1] = false; None }
            },
            ch = self.redis.changed(), if r => match ch {
                Ok(()) => Some(Event::Source(SourceUpdate::Redis(self.redis.borrow_and_update().clone()))),
                Err(_) => { self.open[2] = false; None }
            },
            ch = self.aws.changed(), if a => match ch {
                Ok(()) => Some(Event::Source(SourceUpdate::Aws(self.aws.borrow_and_update().clone()))),
                Err(_) => { self.open[3] = false; None }
            },
            Some(lines) = async { match self.logs.as_mut() { Some(l) => l.recv().await, None => std::future::pending().await } } => Some(Event::LogLines(lines)),
            _ = tokio::time::sleep(Duration::from_millis(200)) => None,
        };
        if let Some(e) = event {
            self.handle(e);
        }
        self.handle(Event::Tick(SystemTime::now()));
    }

    /// Pumps until `pred(state, screen)` holds; the screen when it did, or why not.
    async fn until(
        &mut self,
        what: &str,
        within: Duration,
        pred: impl Fn(&State, &str) -> bool,
    ) -> Result<String, String> {
        let deadline = Instant::now() + within;
        loop {
            let screen = self.screen();
            if pred(&self.state, &screen) {
                return Ok(screen);
            }
            if Instant::now() > deadline {
                let statuses: Vec<String> = every_pane()
                    .into_iter()
                    .map(|p| format!("{p:?}: {:?}", self.state.pane(p).status))
                    .collect();
                return Err(format!(
                    "{what}: not within {within:?}; {}\n  status: {}",
                    brief(&screen),
                    statuses.join("; ")
                ));
            }
            self.pump().await;
        }
    }

    /// Pumps for `d`, failing as soon as `pred` stops holding.
    async fn holds(
        &mut self,
        what: &str,
        d: Duration,
        pred: impl Fn(&State, &str) -> bool,
    ) -> Result<(), String> {
        let deadline = Instant::now() + d;
        while Instant::now() < deadline {
            let screen = self.screen();
            if !pred(&self.state, &screen) {
                return Err(format!("{what}: stopped holding; {}", brief(&screen)));
            }
            self.pump().await;
        }
        Ok(())
    }
}

impl std::ops::Drop for Console {
    fn drop(&mut self) {
        if let Some(t) = self.log_task.take() {
            t.abort();
        }
    }
}

/// The pane titles and the error lines of a screen: enough to say what went wrong.
fn brief(screen: &str) -> String {
    let titles: Vec<String> = every_pane()
        .into_iter()
        .map(|p| format!("{} [{}]", p.title(), title(screen, p)))
        .collect();
    let errors: Vec<&str> = screen
        .lines()
        .filter(|l| l.contains('✖') || l.contains("logs"))
        .map(str::trim)
        .collect();
    format!(
        "titles: {}\n  lines: {}",
        titles.join(", "),
        errors.join("\n    ")
    )
}

/// The title words of pane `id` (`● live`, `✖ stale 3s`, …) on a 200x60 screen.
fn title(screen: &str, id: PaneId) -> String {
    let head = format!(" {} {} ", id.index() + 1, id.title());
    screen
        .lines()
        .find_map(|l| {
            let at = l.find(&head)? + head.len();
            Some(
                l[at..]
                    .chars()
                    .take_while(|c| !matches!(c, '─' | '┐' | '│' | '┌'))
                    .collect::<String>()
                    .trim()
                    .to_string(),
            )
        })
        .unwrap_or_default()
}

fn all_live(screen: &str, panes: &[PaneId]) -> bool {
    panes.iter().all(|&p| title(screen, p) == "● live")
}

fn others(src: Src) -> Vec<PaneId> {
    [Postgres, Redis, Kube, Aws]
        .into_iter()
        .filter(|&s| s != src)
        .flat_map(|s| s.panes().iter().copied())
        .collect()
}

fn every_pane() -> Vec<PaneId> {
    [Postgres, Redis, Kube, Aws]
        .into_iter()
        .flat_map(|s| s.panes().iter().copied())
        .collect()
}

fn focus_key(id: PaneId) -> KeyCode {
    KeyCode::Char(char::from(b'1' + id.index() as u8))
}

// ---------------------------------------------------------------------------------------
// Faults: how each cell's source is set up, broken and mended.

#[derive(Default)]
struct Channels {
    kube: Option<watch::Receiver<Snapshot<KubeData>>>,
    pg: Option<watch::Receiver<Snapshot<PgData>>>,
    redis: Option<watch::Receiver<Snapshot<RedisData>>>,
    aws: Option<watch::Receiver<Snapshot<AwsData>>>,
}

/// What a cell holds to break and mend its source.
enum Knob {
    Proxy(Proxy, Mode),
    /// Cut the proxy's open connections (nothing to mend).
    Cut(Proxy),
    Pg(Cluster),
    Redis(TestServer),
    Sim(Box<ksupport::Sim>, Option<Proxy>),
}

struct Rig {
    config: Config,
    knob: Knob,
    _dir: tempfile::TempDir,
}

fn proxy_mode(fault: Fault) -> Option<Mode> {
    Some(match fault {
        Refused => Mode::Refuse,
        Hangs => Mode::Hang,
        Slow => Mode::Delay(SLOW),
        PgTooManyConnections => Mode::Reply(Canned::PgFatal {
            code: "53300".into(),
            message: "sorry, too many clients already".into(),
        }),
        RedisLoading => Mode::Reply(Canned::RespError(
            "LOADING Redis is loading the dataset in memory".into(),
        )),
        AwsThrottling => Mode::Reply(aws_error(400, "Throttling", "Rate exceeded")),
        AwsAccessDenied => Mode::Reply(aws_error(
            403,
            "AccessDenied",
            "User: arn:aws:iam::123456789012:user/watch is not authorized to perform this action",
        )),
        _ => return None,
    })
}

fn aws_error(status: u16, code: &str, message: &str) -> Canned {
    Canned::Http {
        status,
        content_type: "text/xml",
        body: format!(
            "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>fault-matrix</RequestId></ErrorResponse>"
        ),
    }
}

/// A kubeconfig for `sim` that goes through `proxy`.
fn proxied_kubeconfig(sim: &ksupport::Sim, proxy: &Proxy) -> std::path::PathBuf {
    let text = sim
        .handle
        .kubeconfig()
        .replace(&sim.handle.addr.to_string(), &proxy.addr().to_string());
    let path = sim.dir.path().join("kubeconfig-proxied");
    std::fs::write(&path, text).expect("write kubeconfig");
    path
}

async fn rig(c: &Cell) -> Rig {
    let w = world();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = w.config.clone();
    config.audit_log = dir.path().join("audit.jsonl");
    let knob = match (c.source, c.fault) {
        (Postgres, Restart) => {
            let cluster = tokio::task::spawn_blocking(|| Cluster::start(&[]))
                .await
                .expect("join")
                .expect("private cluster");
            config.postgres.url = Some(SecretUrl::new(cluster.url("postgres")));
            Knob::Pg(cluster)
        }
        (Redis, Restart) => {
            let server = tokio::task::spawn_blocking(|| TestServer::start(&[]))
                .await
                .expect("join");
            config.redis.url = Some(SecretUrl::new(server.url()));
            Knob::Redis(server)
        }
        (Kube, _) => {
            let sim = ksupport::start(ksupport::fast_options()).await;
            let proxy = match c.fault {
                Refused | Hangs | Slow | Drop => Some(Proxy::start(sim.handle.addr).await),
                _ => None,
            };
            config.kube.kubeconfig = Some(match &proxy {
                Some(p) => proxied_kubeconfig(&sim, p),
                None => sim.dir.path().join("kubeconfig"),
            });
            Knob::Sim(Box::new(sim), proxy)
        }
        (src, fault) => {
            let upstream = match src {
                Postgres => "127.0.0.1:5432".parse().expect("addr"),
                Redis => ([127, 0, 0, 1], w.redis_server.port).into(),
                Aws => ([127, 0, 0, 1], w.moto.port).into(),
                Kube => unreachable!(),
            };
            let proxy = Proxy::start(upstream).await;
            let at = format!("127.0.0.1:{}", proxy.port);
            match src {
                Postgres => {
                    config.postgres.url = Some(SecretUrl::new(format!(
                        "postgres://postgres@{at}/{}?sslmode=disable",
                        pg::DB
                    )))
                }
                Redis => config.redis.url = Some(SecretUrl::new(format!("redis://{at}"))),
                Aws => config.aws.endpoint_url = Some(format!("http://{at}")),
                Kube => unreachable!(),
            }
            match proxy_mode(fault) {
                Some(mode) => Knob::Proxy(proxy, mode),
                None => Knob::Cut(proxy),
            }
        }
    };
    Rig {
        config,
        knob,
        _dir: dir,
    }
}

impl Rig {
    async fn apply(&mut self, fault: Fault) {
        match &mut self.knob {
            Knob::Proxy(p, mode) => p.set(mode.clone()),
            Knob::Cut(p) => p.cut(),
            Knob::Pg(cluster) => {
                let data_stop = cluster.stop();
                data_stop.expect("pg_ctl stop");
            }
            Knob::Redis(server) => server.kill(),
            Knob::Sim(sim, proxy) => match (fault, proxy) {
                (Refused, Some(p)) => p.set(Mode::Refuse),
                (Hangs, Some(p)) => p.set(Mode::Hang),
                (Slow, Some(p)) => p.set(Mode::Delay(SLOW)),
                (Drop, Some(p)) => p.cut(),
                (KubeStatus(403), _) => {
                    sim.handle.forbid(ForbidRule::everything());
                    sim.handle.drop_watches();
                }
                (KubeStatus(code), _) => {
                    sim.handle.fail(FailRule {
                        matches: ForbidRule::everything(),
                        code,
                        reason: None,
                        retry_after_seconds: (code == 429).then_some(2),
                    });
                    sim.handle.drop_watches();
                }
                (KubeGone, _) => {
                    sim.handle.compact();
                    sim.handle.drop_watches();
                }
                (LogFollowDrop, _) => sim.handle.drop_watches(),
                (f, _) => panic!("no kube knob for {f:?}"),
            },
        }
    }

    async fn clear(&mut self) {
        match &mut self.knob {
            Knob::Proxy(p, _) => p.set(Mode::Pass),
            Knob::Cut(_) => {}
            Knob::Pg(cluster) => cluster.start_again().expect("pg_ctl start"),
            Knob::Redis(server) => {
                // Same port, new process (kill() left the guard without a child).
                server.restart();
            }
            Knob::Sim(sim, proxy) => {
                sim.handle.reset_faults();
                if let Some(p) = proxy {
                    p.set(Mode::Pass);
                }
            }
        }
    }
}

type CellFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// Runs one cell; `Err` says what it did instead.
fn run_cell(c: &'static Cell) -> CellFuture<'static> {
    Box::pin(async move {
        let mut rig = rig(c).await;
        let (pause, controls) = Controls::free_running();
        let ch = spawn_all(&only(&rig.config, c.source), &controls);
        let mut faulted = Channels::default();
        match c.source {
            Postgres => faulted.pg = Some(ch.pg),
            Redis => faulted.redis = Some(ch.redis),
            Kube => faulted.kube = Some(ch.kube),
            Aws => faulted.aws = Some(ch.aws),
        }
        let mut con = Console::new(rig.config.clone(), c.source, faulted);
        let mine = c.source.panes();
        let rest = others(c.source);
        con.until("every pane live first", Duration::from_secs(60), |_, s| {
            all_live(s, &every_pane())
        })
        .await?;

        if let LogResumed = c.expect {
            return log_follow_cell(&mut con, &mut rig).await;
        }
        rig.apply(c.fault).await;
        match c.expect {
            Error(text) => {
                let screen = con
                    .until(
                        "the error and the data's age",
                        Duration::from_secs(30),
                        |_, s| {
                            mine.iter().all(|&p| title(s, p).starts_with("✖ stale "))
                                && s.contains(text)
                        },
                    )
                    .await?;
                if !all_live(&screen, &rest) {
                    return Err(format!(
                        "other panes not live during the fault: {}",
                        brief(&screen)
                    ));
                }
                keys_answered(&mut con, mine[0])?;
                rig.clear().await;
                con.until("recovery by itself", Duration::from_secs(45), |_, s| {
                    all_live(s, mine)
                })
                .await?;
            }
            Absorbed => {
                let at = SystemTime::now();
                con.holds("the pane stays live", Duration::from_secs(4), |_, s| {
                    all_live(s, &every_pane())
                })
                .await?;
                keys_answered(&mut con, mine[0])?;
                rig.clear().await;
                fresh_data_after(&mut con, &rig, c.source, at).await?;
            }
            LogResumed => unreachable!(),
        }
        drop(pause);
        Ok(())
    })
}

/// A key during the fault still changes the state (and the screen shows it).
fn keys_answered(con: &mut Console, pane: PaneId) -> Result<(), String> {
    let other = if pane == PaneId::Redis {
        PaneId::Nodes
    } else {
        PaneId::Redis
    };
    con.key(focus_key(other));
    if con.state.focus != other {
        return Err(format!("focus key for {other:?} not answered"));
    }
    con.key(focus_key(pane));
    if con.state.focus != pane {
        return Err(format!("focus key for {pane:?} not answered"));
    }
    con.key(KeyCode::Char('?'));
    let help = con.screen();
    con.key(KeyCode::Esc);
    if !help.to_lowercase().contains("help") {
        return Err(format!("`?` drew no help during the fault:\n{help}"));
    }
    Ok(())
}

/// Data newer than `at` reaches the screen: a poller's next round, or (watches publish on
/// change only) a change made in kube-sim.
async fn fresh_data_after(
    con: &mut Console,
    rig: &Rig,
    src: Src,
    at: SystemTime,
) -> Result<(), String> {
    if src == Kube {
        return kube_change_reaches_screen(con, rig).await;
    }
    con.until(
        "fresh data after the fault",
        Duration::from_secs(30),
        |st, s| {
            let (_, fetched, _) = st.sources.status(source_id(src));
            fetched.is_some_and(|f| f > at + Duration::from_secs(1)) && all_live(s, &every_pane())
        },
    )
    .await
    .map(|_| ())
}

fn source_id(src: Src) -> kitops_top::app::sources::SourceId {
    use kitops_top::app::sources::SourceId;
    match src {
        Postgres => SourceId::Postgres,
        Redis => SourceId::Redis,
        Kube => SourceId::Kube,
        Aws => SourceId::Aws,
    }
}

/// After the fault: cordoning a node in kube-sim shows in the Nodes pane, proving the
/// watches are running again (not just that the title still says live).
async fn kube_change_reaches_screen(con: &mut Console, rig: &Rig) -> Result<(), String> {
    let Knob::Sim(sim, _) = &rig.knob else {
        return Err("not a kube cell".into());
    };
    let node = con
        .state
        .sources
        .kube
        .data
        .as_ref()
        .and_then(|d| {
            d.nodes
                .iter()
                .find(|n| !n.unschedulable)
                .map(|n| n.name.clone())
        })
        .ok_or("no node to cordon")?;
    let (code, text) = sim
        .admin(
            "/_sim/node-condition",
            serde_json::json!({"node": node, "unschedulable": true}),
        )
        .await;
    if code != 200 {
        return Err(format!("cordon: {text}"));
    }
    con.until(
        "a change after the fault reaches the screen",
        Duration::from_secs(45),
        |_, s| s.contains("1 cordoned") && all_live(s, &every_pane()),
    )
    .await
    .map(|_| ())
}

/// Logs of a pod, followed; kube-sim ends every stream; the view says it reconnects,
/// then that it resumed, keys work throughout, and the lines continue without a line
/// twice or a line missing.
async fn log_follow_cell(con: &mut Console, rig: &mut Rig) -> Result<(), String> {
    con.key(focus_key(PaneId::Pods));
    // The first rows are deployments; move to a pod row.
    con.key(KeyCode::Down);
    con.key(KeyCode::Char('l'));
    if !con.state.modals.is_empty() && con.log_task.is_none() {
        con.key(KeyCode::Enter);
    }
    con.until("log lines", Duration::from_secs(20), |_, s| {
        s.contains("logs ")
    })
    .await?;
    let lines_before = log_lines(con);
    con.until("follow lines", Duration::from_secs(20), |st, _| {
        log_count(st) > lines_before
    })
    .await?;
    rig.apply(LogFollowDrop).await;
    con.until(
        "reconnecting, then resumed, on screen",
        Duration::from_secs(20),
        |_, s| s.contains("reconnecting…") && s.contains("log stream resumed"),
    )
    .await?;
    // Keys still work in the logs view: `f` toggles follow (and back).
    let follow = is_following(&con.state);
    con.key(KeyCode::Char('f'));
    if is_following(&con.state) == follow {
        return Err("`f` not answered after the stream dropped".into());
    }
    con.key(KeyCode::Char('f'));
    let resumed_at = log_text(&con.state).len();
    con.until(
        "lines after the resume",
        Duration::from_secs(20),
        |st, _| log_text(st).len() > resumed_at + 5,
    )
    .await?;
    no_line_twice_none_missing(&log_text(&con.state))
}

/// The logs view's lines, text only.
fn log_text(st: &State) -> Vec<String> {
    logs_state(st).map_or_else(Vec::new, |l| {
        l.lines.iter().map(|line| line.to_string()).collect()
    })
}

/// kube-sim's lines are deterministic, and its info lines say `line=<n>`: between two of
/// them, exactly the lines in between must be shown (one is missing, or one twice,
/// otherwise) — across the drop and the resume.
fn no_line_twice_none_missing(lines: &[String]) -> Result<(), String> {
    let shown: Vec<&String> = lines.iter().filter(|l| !l.starts_with("-- ")).collect();
    let numbered: Vec<(usize, u64)> = shown
        .iter()
        .enumerate()
        .filter_map(|(at, l)| {
            let n = l.rsplit_once(" line=")?.1.parse().ok()?;
            Some((at, n))
        })
        .collect();
    if numbered.len() < 2 {
        return Err(format!("too few numbered lines: {lines:?}"));
    }
    for pair in numbered.windows(2) {
        let ((at_a, a), (at_b, b)) = (pair[0], pair[1]);
        if b <= a || (b - a) as usize != at_b - at_a {
            return Err(format!(
                "line={a} then line={b} {} lines later: {:?}",
                at_b - at_a,
                &shown[at_a..=at_b]
            ));
        }
    }
    Ok(())
}

fn logs_state(st: &State) -> Option<&kitops_top::app::modal::LogsState> {
    st.modals.iter().rev().find_map(|m| match m {
        kitops_top::app::modal::Modal::Logs(l) => Some(l),
        _ => None,
    })
}

fn log_count(st: &State) -> usize {
    logs_state(st).map_or(0, |l| l.lines.len())
}

fn log_lines(con: &Console) -> usize {
    log_count(&con.state)
}

fn is_following(st: &State) -> bool {
    logs_state(st).is_some_and(|l| l.follow)
}

async fn run_source(src: Src) {
    let cells: Vec<&'static Cell> = CELLS.iter().filter(|c| c.source == src).collect();
    let results = futures::future::join_all(cells.iter().map(|&c| run_cell(c))).await;
    let failures: Vec<String> = cells
        .iter()
        .zip(results)
        .filter_map(|(c, r)| {
            r.err()
                .map(|e| format!("── {} × {}: {e}", c.source.name(), fault_name(c.fault)))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_matrix_postgres() {
    run_source(Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_matrix_redis() {
    run_source(Redis).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_matrix_kubernetes() {
    run_source(Kube).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_matrix_aws() {
    run_source(Aws).await;
}
