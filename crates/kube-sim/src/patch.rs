//! JSON merge patch (RFC 7386), a pragmatic strategic merge patch, and JSON patch (RFC 6902).

use serde_json::{Map, Value};

pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(t) = target {
        for (k, v) in p {
            if v.is_null() {
                t.remove(k);
            } else {
                merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

fn merge_key(items: &[Value]) -> Option<&'static str> {
    ["name", "containerPort", "type", "mountPath", "ip"]
        .into_iter()
        .find(|k| !items.is_empty() && items.iter().all(|i| i.get(*k).is_some()))
}

/// Strategic merge: like a merge patch, but lists of objects with a merge key
/// (name, containerPort, type, ...) are merged element-wise; `$patch: delete` removes.
pub fn strategic_merge(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(t) = target else { return };
    for (k, v) in p {
        if k.starts_with('$') {
            continue;
        }
        match v {
            Value::Null => {
                t.remove(k);
            }
            Value::Array(items) => match (merge_key(items), t.get_mut(k)) {
                (Some(key), Some(Value::Array(existing))) => {
                    for item in items {
                        let pos = existing.iter().position(|e| e.get(key) == item.get(key));
                        let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
                        match (pos, delete) {
                            (Some(i), true) => {
                                existing.remove(i);
                            }
                            (Some(i), false) => strategic_merge(&mut existing[i], item),
                            (None, false) => {
                                let mut fresh = Value::Null;
                                strategic_merge(&mut fresh, item);
                                existing.push(fresh);
                            }
                            (None, true) => {}
                        }
                    }
                }
                _ => {
                    t.insert(k.clone(), v.clone());
                }
            },
            _ => strategic_merge(t.entry(k.clone()).or_insert(Value::Null), v),
        }
    }
}

fn unescape(tok: &str) -> String {
    tok.replace("~1", "/").replace("~0", "~")
}

fn split_pointer(path: &str) -> Result<(String, String), String> {
    if path.is_empty() {
        return Err("empty path".into());
    }
    let idx = path
        .rfind('/')
        .ok_or_else(|| format!("invalid path {path:?}"))?;
    Ok((path[..idx].to_string(), unescape(&path[idx + 1..])))
}

fn parent<'a>(doc: &'a mut Value, path: &str) -> Result<&'a mut Value, String> {
    doc.pointer_mut(path)
        .ok_or_else(|| format!("path {path:?} not found"))
}

fn add(doc: &mut Value, path: &str, value: Value, replace: bool) -> Result<(), String> {
    if path.is_empty() {
        *doc = value;
        return Ok(());
    }
    let (par, last) = split_pointer(path)?;
    match parent(doc, &par)? {
        Value::Object(m) => {
            if replace && !m.contains_key(&last) {
                return Err(format!("replace: path {path:?} does not exist"));
            }
            m.insert(last, value);
        }
        Value::Array(a) => {
            if last == "-" && !replace {
                a.push(value);
            } else {
                let i: usize = last
                    .parse()
                    .map_err(|_| format!("invalid index {last:?}"))?;
                if replace && i < a.len() {
                    a[i] = value;
                } else if !replace && i <= a.len() {
                    a.insert(i, value);
                } else {
                    return Err(format!("index {i} out of range"));
                }
            }
        }
        _ => return Err(format!("path {par:?} is not a container")),
    }
    Ok(())
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, String> {
    let (par, last) = split_pointer(path)?;
    match parent(doc, &par)? {
        Value::Object(m) => m
            .remove(&last)
            .ok_or_else(|| format!("path {path:?} not found")),
        Value::Array(a) => {
            let i: usize = last
                .parse()
                .map_err(|_| format!("invalid index {last:?}"))?;
            (i < a.len())
                .then(|| a.remove(i))
                .ok_or_else(|| format!("index {i} out of range"))
        }
        _ => Err(format!("path {par:?} is not a container")),
    }
}

pub fn json_patch(doc: &mut Value, ops: &Value) -> Result<(), String> {
    let ops = ops.as_array().ok_or("json patch must be an array")?;
    for op in ops {
        let path = op
            .get("path")
            .and_then(Value::as_str)
            .ok_or("op without path")?;
        let value = || {
            op.get("value")
                .cloned()
                .ok_or(format!("op on {path:?} without value"))
        };
        match op.get("op").and_then(Value::as_str).unwrap_or("") {
            "add" => add(doc, path, value()?, false)?,
            "replace" => add(doc, path, value()?, true)?,
            "remove" => {
                remove(doc, path)?;
            }
            "test" => {
                if doc.pointer(path) != Some(&value()?) {
                    return Err(format!("test failed for {path:?}"));
                }
            }
            "move" | "copy" => {
                let from = op
                    .get("from")
                    .and_then(Value::as_str)
                    .ok_or("op without from")?;
                let v = if op["op"] == "move" {
                    remove(doc, from)?
                } else {
                    doc.pointer(from).cloned().ok_or("from not found")?
                };
                add(doc, path, v, false)?;
            }
            other => return Err(format!("unsupported op {other:?}")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merges() {
        let mut d = json!({"spec":{"replicas":1,"template":{"spec":{"containers":[{"name":"a","image":"x"}]}}}});
        strategic_merge(
            &mut d,
            &json!({"spec":{"template":{"spec":{"containers":[{"name":"a","image":"y"}]}}}}),
        );
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"][0],
            json!({"name":"a","image":"y"})
        );
        merge_patch(&mut d, &json!({"spec":{"replicas":3}}));
        assert_eq!(d["spec"]["replicas"], 3);
        json_patch(
            &mut d,
            &json!([{"op":"replace","path":"/spec/replicas","value":4},
            {"op":"add","path":"/metadata","value":{"a":1}},{"op":"remove","path":"/metadata/a"}]),
        )
        .unwrap();
        assert_eq!(d["spec"]["replicas"], 4);
        assert_eq!(d["metadata"], json!({}));
        assert!(json_patch(
            &mut d,
            &json!([{"op":"replace","path":"/nope/x","value":1}])
        )
        .is_err());
    }
}
