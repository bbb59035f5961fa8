//! Every confirmation dialog sizes to its content: the exact command it will run is on
//! screen whole (wrapped, never cut) at 80x24 and 200x60, and a snapshot of each dialog
//! at both sizes shows what the user reads.

use kitops_top::app::action::{Action, AwsAction, KubeAction, PgAction, PgBackendRef, RedisAction};
use kitops_top::app::modal::{ConfirmState, Modal};
use kitops_top::app::State;
use kitops_top::collect::aws::HealthCheckSettings;
use kitops_top::ui::render_to_string;

const API_TG: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/kitops-api/6d0ecf831eec9f09";

fn backend(query: &str) -> PgBackendRef {
    PgBackendRef {
        pid: 3274,
        backend_start_us: 1_768_472_000_000_000,
        query_start_us: Some(1_768_472_900_000_000),
        user: "kitops".into(),
        application: "migrate".into(),
        state: "active".into(),
        duration: "1m40s".into(),
        query: query.into(),
        blocks: 3,
        server_version_num: 150_004,
        instead_of_cancel: false,
    }
}

const LONG_QUERY: &str = "SELECT o.id, o.customer_id, o.total, c.email, c.name, a.line1, a.city, a.country FROM orders o JOIN customers c ON c.id = o.customer_id JOIN addresses a ON a.customer_id = c.id WHERE o.created_at > now() - interval '30 days' AND o.status IN ('paid', 'shipped', 'refunded') ORDER BY o.created_at DESC, o.total DESC LIMIT 500";

/// Every action kind with realistic, long values (ARNs, registry images, SQL).
fn every_action() -> Vec<(&'static str, Action)> {
    let settings = |interval_s, timeout_s| HealthCheckSettings {
        interval_s,
        timeout_s,
        healthy_threshold: 5,
        unhealthy_threshold: 2,
    };
    vec![
        (
            "restart",
            Action::Kube(KubeAction::RolloutRestart {
                namespace: "kitops".into(),
                deployment: "kitops-backend".into(),
            }),
        ),
        (
            "delete",
            Action::Kube(KubeAction::DeletePod {
                namespace: "kitops".into(),
                name: "kitops-backend-7c9f8d6b5d-5ql2w".into(),
                uid: "0b8f6c1e-2d3a-4f5b-9c8d-7e6f5a4b3c2d".into(),
                force: false,
            }),
        ),
        (
            "force_delete",
            Action::Kube(KubeAction::DeletePod {
                namespace: "kitops".into(),
                name: "kitops-backend-7c9f8d6b5d-5ql2w".into(),
                uid: "0b8f6c1e-2d3a-4f5b-9c8d-7e6f5a4b3c2d".into(),
                force: true,
            }),
        ),
        (
            "scale",
            Action::Kube(KubeAction::Scale {
                namespace: "kitops".into(),
                deployment: "kitops-backend".into(),
                from: 5,
                to: 8,
            }),
        ),
        (
            "undo",
            Action::Kube(KubeAction::RolloutUndo {
                namespace: "kitops".into(),
                deployment: "kitops-backend".into(),
                to_revision: 3,
                from_images: "123456789012.dkr.ecr.us-east-1.amazonaws.com/kitops/backend:1.4.2"
                    .into(),
                to_images: "123456789012.dkr.ecr.us-east-1.amazonaws.com/kitops/backend:1.4.1"
                    .into(),
            }),
        ),
        (
            "set_image",
            Action::Kube(KubeAction::SetImage {
                namespace: "kitops".into(),
                deployment: "kitops-backend".into(),
                from: "123456789012.dkr.ecr.us-east-1.amazonaws.com/kitops/backend:1.4.2".into(),
                to: "123456789012.dkr.ecr.us-east-1.amazonaws.com/kitops/backend:1.4.3-patched"
                    .into(),
            }),
        ),
        (
            "pg_cancel",
            Action::Pg(PgAction::Cancel(backend(LONG_QUERY))),
        ),
        (
            "pg_terminate",
            Action::Pg(PgAction::Terminate(backend(LONG_QUERY))),
        ),
        (
            "redis_policy",
            Action::Redis(RedisAction::SetEvictionPolicy {
                from: "noeviction".into(),
                to: "allkeys-lru".into(),
            }),
        ),
        (
            "rds_snapshot",
            Action::Aws(AwsAction::RdsCreateSnapshot {
                instance: "kitops-production".into(),
                snapshot_id: "kitops-backup-20260115-1030".into(),
            }),
        ),
        (
            "rds_failover",
            Action::Aws(AwsAction::RdsRebootFailover {
                instance: "kitops-production".into(),
            }),
        ),
        (
            "health_check",
            Action::Aws(AwsAction::ModifyHealthCheck {
                target_group_arn: API_TG.into(),
                from: settings(30, 5),
                to: settings(10, 5),
            }),
        ),
        (
            "deregister",
            Action::Aws(AwsAction::DeregisterTarget {
                target_group_arn: API_TG.into(),
                id: "i-0a1b2c3d4e5f60002".into(),
                port: Some(8080),
            }),
        ),
    ]
}

/// The text inside the dialog's border, row by row.
fn dialog_rows(screen: &str) -> Vec<String> {
    let lines: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    let top = lines
        .iter()
        .position(|l| l.iter().collect::<String>().contains("┌ Confirm"))
        .unwrap_or_else(|| panic!("no dialog on screen:\n{screen}"));
    let left = lines[top]
        .iter()
        .collect::<String>()
        .split("┌ Confirm")
        .next()
        .map_or(0, |before| before.chars().count());
    let right = (left + 1..lines[top].len())
        .find(|&x| lines[top][x] == '┐')
        .unwrap_or_else(|| panic!("dialog has no right border:\n{screen}"));
    lines[top + 1..]
        .iter()
        .take_while(|l| l.get(left) != Some(&'└'))
        .map(|l| l[left + 1..right].iter().collect())
        .collect()
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn every_dialog_shows_its_whole_command_at_both_sizes() {
    for (name, action) in every_action() {
        let mut st = State::for_tests(crate::support::clock::fixed());
        let confirm = ConfirmState::open(action, &st);
        let command = confirm.spec.equivalent.clone();
        st.modals.push(Modal::Confirm(confirm));
        for (w, h) in [(80u16, 24u16), (200, 60)] {
            let screen = render_to_string(&st, w, h);
            let inside = squeeze(&dialog_rows(&screen).concat());
            assert!(
                inside.contains(&squeeze(&command)),
                "{name} at {w}x{h}: the command is not whole in the dialog:\n{command}\n{screen}"
            );
            let bottom = screen
                .lines()
                .find(|l| l.contains("confirm ·"))
                .unwrap_or_else(|| panic!("{name} at {w}x{h}: no key line\n{screen}"));
            assert!(bottom.contains("cancel"), "{name} {w}x{h}: {bottom}");
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
        }
    }
}

#[test]
fn a_short_dialog_is_only_as_tall_as_its_lines() {
    let mut st = State::for_tests(crate::support::clock::fixed());
    let confirm = ConfirmState::open(every_action().remove(0).1, &st);
    st.modals.push(Modal::Confirm(confirm));
    let rows = dialog_rows(&render_to_string(&st, 200, 60));
    let trailing_blank = rows
        .iter()
        .rev()
        .take_while(|r| r.trim().is_empty())
        .count();
    assert!(
        trailing_blank <= 1,
        "{trailing_blank} blank rows under the content: {rows:#?}"
    );
}
