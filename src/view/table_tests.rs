//! The compact row: what it holds reads back as it was given, in fewer bytes.

use super::*;

#[test]
fn rows_are_compact() {
    assert_eq!(std::mem::size_of::<Num>(), 8);
    assert_eq!(std::mem::size_of::<LiveCell>(), 32);
    assert_eq!(std::mem::size_of::<(u8, LiveCell)>(), 40);
    // Was ~600 with `usize` columns and `Option<f64>` numbers.
    assert!(
        std::mem::size_of::<TableRow>() <= 352,
        "{}",
        std::mem::size_of::<TableRow>()
    );
}

#[test]
fn sort_keys_keep_none_apart_from_numbers() {
    let row = TableRow::new("k", vec![SafeText::line("a"), SafeText::line("b")]).sort_key(1, -2.0);
    assert_eq!(row.sort_keys.get(0), None);
    assert_eq!(row.sort_keys.get(1), Some(-2.0));
    assert_eq!(row.sort_keys.get(2), None);
}

#[test]
fn a_row_matches_as_its_lowercased_joined_cells_did() {
    let cells = ["web-7f9c-x2", "Running", "ÉTAT Σ", "", "ip-10-0-1-2"];
    let row = TableRow::new("k", cells.iter().map(|c| SafeText::line(c)).collect());
    let joined: String = cells
        .iter()
        .map(|c| c.chars().flat_map(char::to_lowercase).collect::<String>())
        .collect::<Vec<_>>()
        .join("\0");
    for needle in [
        "", "run", "running", "web-7f", "état", "σ", "x", "2", "ip-10", "ng\0ét", "\0\0ip",
    ] {
        assert_eq!(row.matches(needle), joined.contains(needle), "{needle:?}");
    }
    assert!(!row.matches("unning i"));
    let mut pushed = Vec::new();
    push_lowercase(&mut pushed, "ÉTAT Σ Running");
    assert_eq!(
        String::from_utf8(pushed).unwrap_or_default(),
        "état σ running"
    );
}

fn pod_info(name: &str) -> crate::collect::kube::PodInfo {
    crate::collect::kube::PodInfo {
        uid: "0b9c7e52-0001".into(),
        name: name.into(),
        namespace: "shop".into(),
        node: Some("ip-10-0-1-2".into()),
        created: Some(1_795_000_000),
        deleting: false,
        phase: "Running".into(),
        reason: "Running".into(),
        message: String::new(),
        ready: 1,
        containers: 1,
        restarts: 0,
        last_restart: None,
        last_termination: None,
        last_exit_code: None,
        replicaset: Some("web-5f6d7c8b9".into()),
        requests: Default::default(),
        limits: Default::default(),
        active: true,
    }
}

#[test]
fn a_pod_rows_target_is_made_from_its_pod_as_it_was_stored() {
    let pod = Arc::new(pod_info("web-5f6d7c8b9-x2"));
    for deployment in [Some("web"), None] {
        let row = TableRow::new(pod.uid.clone(), vec![SafeText::line(&pod.name)])
            .source(pod.clone())
            .pod_target(deployment.map(Arc::from));
        // What the row stored before it was made on demand.
        let stored = Target::Pod {
            namespace: pod.namespace.to_string(),
            name: pod.name.clone(),
            uid: pod.uid.clone(),
            deployment: deployment.map(str::to_string),
        };
        assert_eq!(row.action_target().as_deref(), Some(&stored));
        assert_eq!(row.pod_deployment(), Some(deployment));
    }
}

#[test]
fn a_pod_target_without_a_pod_behind_it_is_no_target() {
    let row = TableRow::new("k", vec![]).pod_target(Some(Arc::from("web")));
    assert_eq!(row.action_target(), None);
    let row = TableRow::new("k", vec![])
        .source(Arc::new(String::from("not a pod")))
        .pod_target(None);
    assert_eq!(row.action_target(), None);
}

#[test]
fn a_stored_target_reads_back_and_is_no_pod_deployment() {
    let node = Target::Node { name: "n1".into() };
    let row = TableRow::new("k", vec![]).target(node.clone());
    assert_eq!(row.action_target().as_deref(), Some(&node));
    assert_eq!(row.pod_deployment(), None);
    assert_eq!(TableRow::new("k", vec![]).action_target(), None);
}

#[test]
fn a_rows_inline_vectors_carry_no_tag() {
    // `smallvec`'s `union` feature: the inline cells and the capacity, nothing else.
    assert_eq!(std::mem::size_of::<LiveCells>(), 6 * 40 + 8);
    assert_eq!(std::mem::size_of::<SortKeys>(), 10 * 8 + 8);
}
