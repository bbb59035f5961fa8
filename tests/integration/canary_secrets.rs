//! Canary secrets: every way a secret reaches the console — a password in the PostgreSQL
//! URL, `PGPASSWORD`, `~/.pgpass`, an ACL user's password in the Redis URL (a private
//! redis-server that requires it), the AWS secret key, the Kubernetes bearer token — is a
//! unique canary, and every output is searched for all of them: the console's screens
//! (tmux, main view, details, a refused action), `doctor`, `snapshot --format json|table`,
//! `record`, `demo FILE`, runs whose connections fail (refused, wrong password), every log
//! file (`RUST_LOG=debug`), the audit log and the recording. The environment goes to the
//! child processes only, so this stays in the integration binary.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::support::files_under;
use crate::support::moto::{self, Moto};
use crate::support::redis::TestServer;
use crate::support::tmux::Tmux;

const PG_URL_PW: &str = "CanaryPgUrl4417";
const PG_ENV_PW: &str = "CanaryPgEnv9023";
const PGPASS_PW: &str = "CanaryPgPass5581";
const REDIS_PW: &str = "CanaryRedisAcl3307";
const REDIS_WRONG_PW: &str = "CanaryRedisWrong6120";
const AWS_SECRET: &str = "CanaryAwsSecret8842";
const KUBE_TOKEN: &str = "CanaryKubeToken2290";

const CANARIES: &[&str] = &[
    PG_URL_PW,
    PG_ENV_PW,
    PGPASS_PW,
    REDIS_PW,
    REDIS_WRONG_PW,
    AWS_SECRET,
    KUBE_TOKEN,
];

struct Fixture {
    home: tempfile::TempDir,
    moto: Moto,
    redis: TestServer,
    _sim: kube_sim::Handle,
    /// (what, text) of every output gathered so far.
    outputs: Vec<(String, String)>,
}

impl Fixture {
    fn kubeconfig(&self) -> PathBuf {
        self.home.path().join("kubeconfig")
    }

    /// The child's whole environment: nothing inherited but PATH.
    fn env(&self, pgpassword: bool) -> Vec<(String, String)> {
        let h = self.home.path().display().to_string();
        let mut env = vec![
            ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
            ("HOME".into(), h.clone()),
            ("XDG_CONFIG_HOME".into(), format!("{h}/cfg")),
            ("XDG_STATE_HOME".into(), format!("{h}/state")),
            ("KUBECONFIG".into(), self.kubeconfig().display().to_string()),
            ("AWS_ACCESS_KEY_ID".into(), moto::KEY.into()),
            ("AWS_SECRET_ACCESS_KEY".into(), AWS_SECRET.into()),
            (
                "AWS_CONFIG_FILE".into(),
                "/nonexistent/kitops-canary/config".into(),
            ),
            (
                "AWS_SHARED_CREDENTIALS_FILE".into(),
                "/nonexistent/kitops-canary/credentials".into(),
            ),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
            ("RUST_LOG".into(), "debug".into()),
        ];
        if pgpassword {
            env.push(("PGPASSWORD".into(), PG_ENV_PW.into()));
        }
        env
    }

    fn redis_url(&self, pw: &str) -> String {
        format!("redis://canary:{pw}@127.0.0.1:{}", self.redis.port)
    }

    /// Sources all configured and answering; `pg` picks how PostgreSQL gets its password.
    fn args(&self, pg: Pg) -> Vec<String> {
        let mut a = vec![
            "--redis".to_string(),
            self.redis_url(REDIS_PW),
            "--aws-region".into(),
            moto::REGION.into(),
            "--aws-endpoint-url".into(),
            self.moto.url(),
            "--refresh".into(),
            "250ms".into(),
        ];
        match pg {
            Pg::Url => a.extend([
                "--pg".into(),
                format!("postgres://postgres:{PG_URL_PW}@127.0.0.1:5432/test?sslmode=disable"),
            ]),
            Pg::Env => a.extend([
                "--pg".into(),
                "postgres://postgres@127.0.0.1:5432/test?sslmode=disable".into(),
            ]),
            Pg::Pgpass => {} // PGHOST… below, password from ~/.pgpass
        }
        a
    }

    fn pg_env(&self, pg: Pg) -> Vec<(String, String)> {
        let mut env = self.env(pg == Pg::Env);
        if pg == Pg::Pgpass {
            for (k, v) in [
                ("PGHOST", "127.0.0.1"),
                ("PGPORT", "5432"),
                ("PGUSER", "postgres"),
                ("PGDATABASE", "test"),
                ("PGSSLMODE", "disable"),
            ] {
                env.push((k.into(), v.into()));
            }
        }
        env
    }

    /// Runs the binary with `args` (plus a log file of its own), keeping stdout and stderr.
    fn run(&mut self, what: &str, env: Vec<(String, String)>, args: &[String]) -> String {
        let log = self.home.path().join(format!("{what}.log"));
        let out = Command::new(env!("CARGO_BIN_EXE_kitops-top"))
            .arg("--log-file")
            .arg(&log)
            .args(args)
            .env_clear()
            .envs(env)
            .current_dir(self.home.path())
            .output()
            .expect("binary runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        self.outputs.push((what.to_string(), text.clone()));
        text
    }

    /// `VAR=value` words for the tmux script's `env`.
    fn env_words(&self, env: &[(String, String)]) -> String {
        env.iter()
            .filter(|(k, _)| k != "PATH")
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Pg {
    Url,
    Env,
    Pgpass,
}

#[test]
fn canary_secrets_reach_no_output_screen_log_audit_or_recording() {
    let home = tempfile::tempdir().expect("home");
    let sim = kube_sim::start_background(kube_sim::Options {
        token: KUBE_TOKEN.into(),
        ..crate::support::kube::fast_options()
    })
    .expect("kube-sim");
    sim.write_kubeconfig(home.path().join("kubeconfig"))
        .expect("kubeconfig");
    let moto = Moto::start();
    tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(moto::seed(&moto));
    let redis = TestServer::start(&[]);
    let _: () = redis::cmd("ACL")
        .arg(&[
            "SETUSER",
            "canary",
            "on",
            &format!(">{REDIS_PW}"),
            "~*",
            "&*",
            "+@all",
        ])
        .query(&mut redis.conn())
        .expect("ACL SETUSER");
    // The default user needs a password too, so only the canary user gets in.
    let _: () = redis::cmd("ACL")
        .arg(&[
            "SETUSER",
            "default",
            "on",
            ">not-the-canary",
            "~*",
            "&*",
            "+@all",
        ])
        .query(&mut redis.conn())
        .expect("ACL SETUSER default");
    let pgpass = home.path().join(".pgpass");
    std::fs::write(&pgpass, format!("127.0.0.1:5432:*:postgres:{PGPASS_PW}\n")).expect(".pgpass");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    let mut f = Fixture {
        home,
        moto,
        redis,
        _sim: sim,
        outputs: Vec::new(),
    };

    // Headless, each way of giving PostgreSQL its password.
    for (name, pg) in [("url", Pg::Url), ("env", Pg::Env), ("pgpass", Pg::Pgpass)] {
        let mut args = f.args(pg);
        args.push("doctor".into());
        let doctor = f.run(&format!("doctor-{name}"), f.pg_env(pg), &args);
        assert!(
            doctor.contains("redis") && doctor.to_lowercase().contains("postgres"),
            "doctor-{name}: {doctor}"
        );
        for format in ["json", "table"] {
            let mut args = f.args(pg);
            args.extend(["snapshot".into(), "--format".into(), format.into()]);
            let out = f.run(&format!("snapshot-{format}-{name}"), f.pg_env(pg), &args);
            assert!(
                !out.trim().is_empty(),
                "snapshot {format} {name} printed nothing"
            );
        }
    }
    let recording = f.home.path().join("recording.jsonl");
    let mut args = f.args(Pg::Url);
    args.extend([
        "record".into(),
        "--out".into(),
        recording.display().to_string(),
        "--seconds".into(),
        "2".into(),
    ]);
    f.run("record", f.pg_env(Pg::Url), &args);
    let rec = readable(&std::fs::read(&recording).expect("recording written"));
    assert!(rec.lines().count() > 1, "a recording with frames: {rec}");

    // Failing connections: refused ports with the secrets in the URLs, a wrong password.
    let failing = vec![
        "--pg".to_string(),
        format!("postgres://postgres:{PG_URL_PW}@127.0.0.1:1/test?sslmode=disable"),
        "--redis".into(),
        f.redis_url(REDIS_WRONG_PW),
        "--aws-region".into(),
        moto::REGION.into(),
        "--aws-endpoint-url".into(),
        "http://127.0.0.1:1".into(),
    ];
    let mut args = failing.clone();
    args.push("doctor".into());
    let doctor = f.run("doctor-failing", f.env(true), &args);
    assert!(
        doctor.contains("WRONGPASS") || doctor.to_lowercase().contains("auth"),
        "{doctor}"
    );
    let mut args = failing.clone();
    args.extend(["snapshot".into(), "--format".into(), "json".into()]);
    f.run("snapshot-failing", f.env(true), &args);

    // The console: live sources, details, a refused (read-only) action, then failing sources.
    let mut screens: Vec<(String, String)> = Vec::new();
    {
        let env = f.env_words(&f.pg_env(Pg::Url));
        let args = f.args(Pg::Url).join(" ") + " --readonly";
        let t = Tmux::start_with_env("canary-live", 200, 60, &env, &args);
        let s = t.wait_for("every source live", |s| {
            s.contains("PG activity  ● live")
                && s.contains("Redis  ● live")
                && s.contains("Targets / RDS  ● live")
                && s.contains("Pods  ● live")
        });
        screens.push(("console".into(), s));
        t.keys(&["3"]);
        t.keys(&["Enter"]);
        std::thread::sleep(Duration::from_millis(500));
        screens.push(("console details".into(), t.screen()));
        t.keys(&["Escape"]);
        // A lone ESC followed at once by a key would read as alt-<key>.
        std::thread::sleep(Duration::from_millis(300));
        t.keys(&["5"]);
        t.keys(&["e"]);
        std::thread::sleep(Duration::from_millis(500));
        screens.push(("console refused action".into(), t.screen()));
        t.keys(&["Escape"]);
        std::thread::sleep(Duration::from_millis(300));
        t.keys(&["q"]);
        t.wait_for("the console quits", |s| s.contains("EXITED:0"));
        collect_dir(&mut f.outputs, t.dir.path());
    }
    {
        let env = f.env_words(&f.env(true));
        let args = failing.join(" ");
        let t = Tmux::start_with_env("canary-failing", 200, 60, &env, &args);
        let s = t.wait_for("the failures shown", |s| {
            s.contains("PG activity  ✖") && s.contains("Redis  ✖")
        });
        screens.push(("console failing".into(), s));
        t.keys(&["q"]);
        t.wait_for("the console quits", |s| s.contains("EXITED:0"));
        collect_dir(&mut f.outputs, t.dir.path());
    }
    {
        let env = f.env_words(&f.env(true));
        let args = format!("demo {}", recording.display());
        let t = Tmux::start_with_env("canary-demo", 200, 60, &env, &args);
        let s = t.wait_for("the recording played", |s| s.contains("DEMO"));
        screens.push(("demo FILE".into(), s));
        t.keys(&["q"]);
        t.wait_for("the demo quits", |s| s.contains("EXITED:0"));
        collect_dir(&mut f.outputs, t.dir.path());
    }

    // Every file the runs wrote: logs, the audit log, the recording (not the inputs).
    collect_dir(&mut f.outputs, f.home.path());
    let audit: Vec<&(String, String)> = f
        .outputs
        .iter()
        .filter(|(w, _)| w.ends_with("audit.jsonl"))
        .collect();
    assert!(
        audit.iter().any(|(_, t)| t.contains("refused")),
        "the read-only refusal was audited: {audit:?}"
    );
    assert!(
        f.outputs
            .iter()
            .any(|(w, t)| w.ends_with("kitops.log") && !t.is_empty()),
        "the console's log file was written"
    );
    f.outputs.extend(screens);

    let mut leaks = Vec::new();
    for (what, text) in &f.outputs {
        for canary in CANARIES {
            if text.contains(canary) {
                let line = text.lines().find(|l| l.contains(canary)).unwrap_or("");
                leaks.push(format!(
                    "{canary} in {what}: {}",
                    line.chars().take(300).collect::<String>()
                ));
            }
        }
    }
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
    assert!(f.outputs.len() > 20, "searched {} outputs", f.outputs.len());
}

/// A file's text as a reader sees it: recordings are gzip, so they are grepped
/// decompressed (a canary inside compressed bytes would never match).
fn readable(bytes: &[u8]) -> String {
    use std::io::Read;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut text = Vec::new();
        let _ = flate2::read::GzDecoder::new(bytes).read_to_end(&mut text);
        return String::from_utf8_lossy(&text).into_owned();
    }
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every file under `dir` except the inputs that hold the secrets on purpose.
fn collect_dir(outputs: &mut Vec<(String, String)>, dir: &Path) {
    let mut files = Vec::new();
    files_under(dir, &mut files);
    for p in files {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if matches!(name, "kubeconfig" | ".pgpass") {
            continue;
        }
        if outputs.iter().any(|(w, _)| w == &p.display().to_string()) {
            continue;
        }
        let bytes = std::fs::read(&p).unwrap_or_default();
        outputs.push((p.display().to_string(), readable(&bytes)));
    }
}
