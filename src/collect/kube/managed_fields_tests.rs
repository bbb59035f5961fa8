use super::*;
use proptest::prelude::*;
use serde_json::{json, Value};

fn stripped(text: &str) -> String {
    let mut body = text.as_bytes().to_vec();
    strip(&mut body);
    String::from_utf8(body).expect("still UTF-8")
}

/// What the cut must amount to: every `managedFields` member whose value is an array,
/// an object or null removed, at any depth; everything else as it was.
fn without_managed_fields(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, v)| {
                    !(k.as_str() == "managedFields"
                        && matches!(v, Value::Array(_) | Value::Object(_) | Value::Null))
                })
                .map(|(k, v)| (k.clone(), without_managed_fields(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_managed_fields).collect()),
        other => other.clone(),
    }
}

#[test]
fn a_page_of_pods_loses_only_its_managed_fields() {
    let page = json!({
        "kind": "PodList", "metadata": {"resourceVersion": "9", "continue": "x"},
        "items": [
            {"metadata": {"managedFields": [{"manager": "kubelet", "fieldsV1": {"f:status": {"k:{\"type\":\"Ready\"}": {}}}}],
                          "name": "a", "uid": "1"}, "spec": {}},
            {"metadata": {"name": "b", "managedFields": null}},
            {"metadata": {"name": "c", "managedFields": [], "uid": "3"}},
            {"metadata": {"name": "d", "managedFields": []}},
            {"metadata": {"managedFields": {}}},
            {"metadata": {"name": "e", "annotations": {"note": "\"managedFields\":[1] and ,\"managedFields\": {"}}}
        ]
    });
    for text in [
        page.to_string(),
        serde_json::to_string_pretty(&page).expect("pretty"),
    ] {
        let out = stripped(&text);
        assert!(out.len() < text.len());
        let parsed: Value = serde_json::from_str(&out).expect("still JSON");
        assert_eq!(parsed, without_managed_fields(&page), "{out}");
        assert!(
            out.contains(r#"\"managedFields\":[1]"#),
            "a string is text: {out}"
        );
    }
}

#[test]
fn what_is_not_a_member_to_cut_is_left_as_it_was() {
    for text in [
        r#"{"managedFields":"a string"}"#,
        r#"{"managedFields":7,"b":1}"#,
        r#"["managedFields",1]"#,
        r#"{"a":["managedFields"]}"#,
        r#"{"managed\u0046ields":[]}"#,
        r#"{"managedFields":[1,2"#,
        r#"{"managedFields":["#,
        r#"{"managedFields":"#,
        r#""managedFields""#,
        r#""managedFields":[]"#,
        r#"{"x":"\\"managedFields":[]}"#,
        "",
    ] {
        assert_eq!(stripped(text), text);
    }
}

#[test]
fn keys_repeated_next_to_each_other_do_not_overlap() {
    let text = r#"{"managedFields":[],"managedFields":[],"a":1}"#;
    let out = stripped(text);
    let _: Value = serde_json::from_str(&out).expect("still JSON");
    assert!(out.ends_with(r#""a":1}"#), "{out}");
}

fn json_value() -> impl Strategy<Value = Value> {
    let text = prop_oneof![
        Just("managedFields".to_string()),
        Just("\"managedFields\":[".to_string()),
        Just("\\\",{".to_string()),
        "[a-zA-Z\"\\\\{}\\[\\],: ]{0,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        text.clone().prop_map(Value::String),
    ];
    let key = prop_oneof![
        3 => Just("managedFields".to_string()),
        1 => Just("name".to_string()),
        2 => "[a-z\"\\\\{,]{1,6}",
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_json_loses_exactly_its_managed_fields(v in json_value(), pretty in any::<bool>()) {
        let text = if pretty {
            serde_json::to_string_pretty(&v).expect("pretty")
        } else {
            v.to_string()
        };
        let out = stripped(&text);
        let parsed: Value = serde_json::from_str(&out).expect("still JSON");
        prop_assert_eq!(parsed, without_managed_fields(&v));
    }

    #[test]
    fn any_bytes_are_cut_without_a_panic(bytes in prop::collection::vec(
        prop_oneof![Just(b'"'), Just(b'\\'), Just(b'['), Just(b'{'), Just(b'}'), Just(b','), any::<u8>()], 0..64),
        at in 0usize..64,
    ) {
        let mut body = bytes;
        let at = at.min(body.len());
        body.splice(at..at, KEY.iter().copied().chain(*b":["));
        strip(&mut body);
    }
}
