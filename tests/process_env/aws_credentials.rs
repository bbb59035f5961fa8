//! Credentials and permissions, each in words an operator can act on: no
//! credentials at all, and AccessDenied under moto's IAM enforcement with the
//! shipped read-only policy (which must be enough to watch) and a policy missing
//! one action (which must be named). This binary runs with no credentials in its
//! environment; the IAM test uses a credentials file with named profiles.

use crate::support::moto;

use std::path::PathBuf;
use std::time::SystemTime;

use kitops_top::act::Executor;
use kitops_top::app::action::AwsAction;
use kitops_top::app::action::{Action, Outcome};
use kitops_top::app::{update, Event, SourceUpdate, State};
use kitops_top::collect::aws::AwsCollector;
use kitops_top::collect::{CollectError, Collector, Snapshot};
use moto::{seed, xml_field, Moto};

fn credentials_file() -> PathBuf {
    std::env::temp_dir().join(format!(
        "kitops-top-aws-credentials-test-{}",
        std::process::id()
    ))
}

/// No credentials anywhere: no env keys, no profile, no instance metadata.
fn no_credentials_env() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        for k in [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_ROLE_ARN",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "AWS_ENDPOINT_URL",
        ] {
            std::env::remove_var(k);
        }
        std::fs::write(credentials_file(), "").expect("credentials file");
        std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", credentials_file());
        std::env::set_var("AWS_CONFIG_FILE", "/nonexistent/kitops-top-test/config");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    });
}

#[tokio::test]
async fn missing_credentials_say_how_to_set_them() {
    no_credentials_env();
    let m = Moto::start();
    let settings = m.settings();
    let err = AwsCollector::new(settings.clone())
        .collect()
        .await
        .expect_err("no credentials");
    assert!(matches!(err, CollectError::Auth(_)), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID"),
        "{msg}"
    );

    // The pane says it, in place of the table.
    let now = SystemTime::now();
    let mut st = State::for_tests(now);
    update(
        &mut st,
        Event::Source(SourceUpdate::Aws(
            Snapshot::<kitops_top::collect::aws::AwsData>::loading().failed(msg.clone()),
        )),
    );
    let screen = kitops_top::ui::render_to_string(&st, 200, 60);
    assert!(screen.contains("no AWS credentials"), "{screen}");

    // Actions fail the same way, audited.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = st.config.as_ref().clone();
    cfg.aws = settings;
    cfg.audit_log = dir.path().join("audit.log");
    let outcome = Executor::new(&cfg)
        .run(&Action::Aws(AwsAction::RdsCreateSnapshot {
            instance: "kitops-production".into(),
            snapshot_id: "kitops-backup-x".into(),
        }))
        .await;
    assert!(
        matches!(&outcome, Outcome::Failed(m) if m.contains("no AWS credentials")),
        "{outcome:?}"
    );
}

/// Creates an IAM user with `policy` in moto and returns (key id, secret).
fn iam_user(m: &Moto, name: &str, policy: &str) -> (String, String) {
    let v = [("Version", "2010-05-08")];
    let q = |params: &[(&str, &str)]| {
        let mut all = v.to_vec();
        all.extend_from_slice(params);
        m.query("iam", &all)
    };
    q(&[("Action", "CreateUser"), ("UserName", name)]);
    let key = q(&[("Action", "CreateAccessKey"), ("UserName", name)]);
    q(&[
        ("Action", "PutUserPolicy"),
        ("UserName", name),
        ("PolicyName", "kitops-top"),
        ("PolicyDocument", policy),
    ]);
    (
        xml_field(&key, "AccessKeyId"),
        xml_field(&key, "SecretAccessKey"),
    )
}

#[tokio::test]
async fn access_denied_names_the_missing_iam_action() {
    no_credentials_env();
    let m = Moto::start();
    seed(&m).await;
    let readonly = std::fs::read_to_string(format!(
        "{}/assets/iam/kitops-top-readonly.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let without_health = readonly.replace(
        "\"elasticloadbalancing:DescribeTargetHealth\"",
        "\"elasticloadbalancing:DescribeListeners\"",
    );
    assert_ne!(readonly, without_health);
    let watch = iam_user(&m, "kitops-watch", &readonly);
    let limited = iam_user(&m, "kitops-limited", &without_health);
    let file = format!(
        "[watch]\naws_access_key_id = {}\naws_secret_access_key = {}\n\n[limited]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        watch.0, watch.1, limited.0, limited.1
    );
    let tmp = credentials_file().with_extension("new");
    std::fs::write(&tmp, file).unwrap();
    std::fs::rename(&tmp, credentials_file()).unwrap();
    m.enforce_iam();

    // The shipped read-only policy is enough to watch everything.
    let mut settings = m.settings();
    settings.profile = Some("watch".into());
    let data = AwsCollector::new(settings.clone())
        .collect()
        .await
        .expect("read-only policy suffices");
    assert!(data.targets_error.is_none(), "{:?}", data.targets_error);
    assert!(data.rds_error.is_none(), "{:?}", data.rds_error);
    assert_eq!(data.target_groups.len(), 2);
    assert!(data.rds.is_some());

    // …and nothing more: the executor's CreateDBSnapshot is denied, by name.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = State::for_tests(SystemTime::now()).config.as_ref().clone();
    cfg.aws = settings;
    cfg.audit_log = dir.path().join("audit.log");
    let outcome = Executor::new(&cfg)
        .run(&Action::Aws(AwsAction::RdsCreateSnapshot {
            instance: "kitops-production".into(),
            snapshot_id: "kitops-backup-denied".into(),
        }))
        .await;
    assert!(
        matches!(&outcome, Outcome::Failed(m) if m.contains("AccessDenied: rds:CreateDBSnapshot")),
        "{outcome:?}"
    );

    // A policy without DescribeTargetHealth: the ALB part names it, RDS still shows.
    let mut settings = m.settings();
    settings.profile = Some("limited".into());
    let data = AwsCollector::new(settings)
        .collect()
        .await
        .expect("RDS part still works");
    let e = data.targets_error.as_deref().expect("ALB part denied");
    assert!(
        e.starts_with("AccessDenied: elasticloadbalancing:DescribeTargetHealth"),
        "{e}"
    );
    assert!(data.rds.is_some());
    let now = SystemTime::now();
    let mut st = State::for_tests(now);
    update(
        &mut st,
        Event::Source(SourceUpdate::Aws(Snapshot::live(data, now))),
    );
    let screen = kitops_top::ui::render_to_string(&st, 200, 60);
    assert!(
        screen.contains("AccessDenied: elasticloadbalancing:DescribeTargetHealth"),
        "{screen}"
    );
}
