//! What moto (5.x) accepts verbatim and the console shows: a target group's health-check
//! path (CreateTargetGroup `HealthCheckPath`) and an RDS instance's `EngineVersion`,
//! `DBInstanceClass` and `StorageType`. Refused with a validation error (tried against
//! moto_server 5.2.5): target-group names ("can only contain characters that are
//! alphanumeric characters"), DB snapshot identifiers ("The parameter
//! DBSnapshotIdentifier is not a valid identifier…"), the health-check matcher
//! ("HttpCode must be like 200 | 200-399 | 200,201 ..."); RDS events are moto's own
//! ("DB instance created"). C0 controls (ESC, BEL, newline) moto accepts but returns raw
//! in its XML, which is not well-formed: the SDK refuses the response, so those reach
//! the console only as the source's error — checked by the second test.

use aws_sdk_elasticloadbalancingv2 as elbv2;

use crate::support::hostile;
use crate::support::hostile_exits::{assert_snapshot_escaped, headless_snapshot, pause, Exits};
use crate::support::moto::{self, Moto};
use crate::support::tmux::Tmux;

/// VPC, two subnets, the ALB `kitops-alb` with one target group whose health-check path
/// is `path` (one healthy IP target), and `kitops-production` with `engine_version`,
/// `class` and `storage_type`.
async fn seed(m: &Moto, path: &str, engine_version: &str, class: &str, storage_type: &str) {
    let (vpc, lb) = moto::vpc_and_alb(m).await;
    let elb = m.elb();
    let lb_arn = lb.load_balancers()[0].load_balancer_arn().expect("lb arn");
    let tg = elb
        .create_target_group()
        .name("kitops-api")
        .protocol(elbv2::types::ProtocolEnum::Http)
        .port(8080)
        .vpc_id(&vpc)
        .target_type(elbv2::types::TargetTypeEnum::Ip)
        .health_check_path(path)
        .send()
        .await
        .expect("create target group");
    let tg_arn = tg.target_groups()[0].target_group_arn().expect("tg arn");
    elb.create_listener()
        .load_balancer_arn(lb_arn)
        .protocol(elbv2::types::ProtocolEnum::Http)
        .port(80)
        .default_actions(
            elbv2::types::Action::builder()
                .r#type(elbv2::types::ActionTypeEnum::Forward)
                .target_group_arn(tg_arn)
                .build(),
        )
        .send()
        .await
        .expect("create listener");
    elb.register_targets()
        .target_group_arn(tg_arn)
        .targets(
            elbv2::types::TargetDescription::builder()
                .id("10.0.1.10")
                .port(8080)
                .build(),
        )
        .send()
        .await
        .expect("register target");
    let created = m
        .rds()
        .create_db_instance()
        .db_instance_identifier("kitops-production")
        .engine("postgres")
        .engine_version(engine_version)
        .db_instance_class(class)
        .storage_type(storage_type)
        .allocated_storage(100)
        .master_username("kitops")
        .master_user_password("not-a-secret-1")
        .multi_az(true)
        .send()
        .await;
    // with C0 controls in it, moto's reply to the create is not XML either (it is made)
    if let Err(e) = created {
        let why = format!("{e:?}");
        assert!(why.contains("NonXmlChar"), "create db instance: {why}");
    }
}

fn console_env(m: &Moto) -> (String, String) {
    let env = format!(
        "AWS_ACCESS_KEY_ID={key} AWS_SECRET_ACCESS_KEY={key} AWS_EC2_METADATA_DISABLED=true \
         AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent",
        key = moto::KEY
    );
    let args = format!(
        "--aws-region {} --aws-endpoint-url {}",
        moto::REGION,
        m.url()
    );
    (env, args)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moto_fields_leave_the_process_only_escaped() {
    let m = Moto::start();
    let h = hostile::xml_legal();
    seed(&m, &format!("/{h}"), &h, &h, &h).await;
    let (env, args) = console_env(&m);
    tokio::task::spawn_blocking(move || {
        let words: Vec<&str> = args.split_whitespace().collect();
        assert_snapshot_escaped(&env, &words, "HOSTILE<");
        let exits = drive_console(&env, &args);
        exits.assert_escaped(Some("HOSTILE<"));
        drop(m);
    })
    .await
    .expect("console driven");
}

/// Targets / RDS: the target group's header and details (its path), `y`, the RDS
/// instance's summary and details (engine version, class, storage), then quit.
fn drive_console(env: &str, args: &str) -> Exits {
    let t = Tmux::start_piped("hostile-aws", 200, 60, env, args);
    t.wait_for("ALB and RDS live", |s| s.contains("Targets / RDS  ● live"));
    t.keys(&["6", "z"]);
    t.wait_for("the hostile path and engine version", |s| {
        s.contains("hc HTTP /HOSTILE<tag\\u{e0041}") && s.contains("postgres HOSTILE<tag\\u{e0041}")
    });
    t.keys(&["/"]);
    t.keys(&["-l", "kitops-api"]);
    t.keys(&["Enter"]);
    pause();
    // the group's header row, above its target
    t.keys(&["Home", "Enter"]);
    t.wait_for("the target group's details", |s| {
        s.contains("/HOSTILE<tag\\u{e0041}\\u{e0042}]52;c;")
    });
    t.keys(&["y"]);
    pause();
    t.keys(&["Escape"]);
    pause();
    t.keys(&["/"]);
    t.keys(&["C-u"]);
    t.keys(&["-l", "RDS"]);
    t.keys(&["Enter"]);
    pause();
    t.keys(&["Home", "Enter"]);
    t.wait_for("the instance's details", |s| {
        s.contains("class") && s.contains("GiB HOSTILE<tag\\u{e0041}")
    });
    t.keys(&["y"]);
    pause();
    t.keys(&["Escape"]);
    pause();
    Exits::after_quit(&t)
}

/// The whole corpus, C0 controls included, in the RDS engine version: moto's reply is
/// not XML any more and the SDK refuses it, so the RDS part of the pane fails. The
/// SDK's error names the offending character escaped (`'\u{1b}'`) and quotes none of
/// the body: the headless output holds nothing raw.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_moto_cannot_encode_fails_escaped() {
    let m = Moto::start();
    seed(&m, "/health", &hostile::line(), "db.r6g.large", "gp3").await;
    let (env, args) = console_env(&m);
    tokio::task::spawn_blocking(move || {
        let words: Vec<&str> = args.split_whitespace().collect();
        for format in ["json", "table"] {
            let out = headless_snapshot(&env, &words, format);
            assert!(out.contains("kitops-api"), "targets still shown: {out}");
            assert!(out.contains("non-XML character"), "the RDS error: {out}");
            assert_eq!(
                hostile::raw_in_file(&out),
                Vec::<char>::new(),
                "{format}: {out}"
            );
        }
        drop(m);
    })
    .await
    .expect("snapshots");
}
