//! The shipped IAM policies against the API calls the code makes: read-only must
//! allow every collector call and nothing that changes anything; operator must
//! allow the collector's and the executor's calls.

use std::collections::BTreeSet;

use kitops_top::act::aws::{all_api_calls, EXECUTOR_API_CALLS};
use kitops_top::collect::aws::COLLECTOR_API_CALLS;

fn allowed(file: &str) -> BTreeSet<String> {
    let path = format!("{}/assets/iam/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let doc: serde_json::Value = serde_json::from_str(&text).expect("policy is JSON");
    assert_eq!(doc["Version"], "2012-10-17", "{file}: policy version");
    let mut out = BTreeSet::new();
    for st in doc["Statement"].as_array().expect("Statement array") {
        assert_eq!(st["Effect"], "Allow", "{file}: only Allow statements");
        match &st["Action"] {
            serde_json::Value::String(a) => {
                out.insert(a.clone());
            }
            serde_json::Value::Array(v) => out.extend(
                v.iter()
                    .map(|a| a.as_str().expect("action string").to_string()),
            ),
            other => panic!("{file}: Action {other}"),
        }
    }
    for a in &out {
        assert!(
            !a.contains('*'),
            "{file}: wildcard action {a} is not least privilege"
        );
    }
    out
}

fn is_read_only(action: &str) -> bool {
    let verb = action.split(':').nth(1).unwrap_or("");
    ["Describe", "List", "Get"]
        .iter()
        .any(|p| verb.starts_with(p))
}

#[test]
fn readonly_policy_covers_the_collector_and_mutates_nothing() {
    let ro = allowed("kitops-top-readonly.json");
    for call in COLLECTOR_API_CALLS {
        assert!(ro.contains(*call), "readonly policy lacks {call}");
    }
    for a in &ro {
        assert!(is_read_only(a), "readonly policy allows mutating {a}");
        assert!(
            COLLECTOR_API_CALLS.contains(&a.as_str()),
            "readonly policy allows {a}, which kitops-top never calls"
        );
    }
}

#[test]
fn operator_policy_covers_collector_and_executor_and_nothing_more() {
    let op = allowed("kitops-top-operator.json");
    let needed = all_api_calls();
    for call in &needed {
        assert!(op.contains(*call), "operator policy lacks {call}");
    }
    for a in &op {
        assert!(
            needed.contains(&a.as_str()),
            "operator policy allows {a}, which kitops-top never calls"
        );
    }
    // Every mutating call of the executor is in the operator policy only.
    let ro = allowed("kitops-top-readonly.json");
    for call in EXECUTOR_API_CALLS.iter().filter(|c| !is_read_only(c)) {
        assert!(!ro.contains(*call), "readonly policy must not allow {call}");
    }
}

/// Every SDK operation the code calls (`c.elb.describe_target_health()`), as the
/// service prefix and the lower-case action without underscores.
fn operations_in(file: &str) -> BTreeSet<String> {
    let path = format!("{}/{file}", env!("CARGO_MANIFEST_DIR"));
    let src: String = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let mut out = BTreeSet::new();
    for (client, service) in [
        (".elb.", "elasticloadbalancing"),
        (".rds.", "rds"),
        (".cw.", "cloudwatch"),
    ] {
        for (i, _) in src.match_indices(client) {
            let rest = &src[i + client.len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if !name.is_empty() && rest[name.len()..].starts_with("()") {
                out.insert(format!("{service}:{}", name.replace('_', "")));
            }
        }
    }
    out
}

fn normalised(calls: &[&str]) -> BTreeSet<String> {
    calls.iter().map(|c| c.to_lowercase()).collect()
}

#[test]
fn the_lists_name_every_operation_the_code_calls() {
    let collector = normalised(COLLECTOR_API_CALLS);
    let all = normalised(&all_api_calls());
    let mut seen = BTreeSet::new();
    for file in [
        "src/collect/aws/elb.rs",
        "src/collect/aws/rds.rs",
        "src/collect/aws/cloudwatch.rs",
    ] {
        for op in operations_in(file) {
            assert!(
                collector.contains(&op),
                "{file} calls {op}, missing from COLLECTOR_API_CALLS"
            );
            seen.insert(op);
        }
    }
    for file in ["src/act/aws.rs"] {
        for op in operations_in(file) {
            assert!(
                all.contains(&op),
                "{file} calls {op}, missing from EXECUTOR_API_CALLS"
            );
            seen.insert(op);
        }
    }
    // And the lists hold nothing the code does not call.
    assert_eq!(seen, all, "lists vs. calls in the source");
}
