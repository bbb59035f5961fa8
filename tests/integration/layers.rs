//! The architecture's one rule, checked on the source itself: a layer imports only the
//! layers below it, and no two files import each other, directly or round a circle.
//! (A folder inside a layer, like `app/action/` or `ui/modal/`, counts as one unit:
//! its `mod.rs` and its children are one piece of code.)

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top to bottom; a file may import its own layer and those after it in this list.
const LAYERS: &[&[&str]] = &[
    &["main", "runtime", "jobs", "headless", "view_task"],
    &["terminal"],
    &["ui"],
    &["act"],
    &["app"],
    &["view"],
    &["collect"],
    &["config"],
    &["cli", "escape", "heap", "logging"],
];

fn rank(layer: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&layer))
}

/// Module path of every file under src/ (`src/app/action/kube.rs` → `app::action::kube`).
fn modules(src: &Path) -> BTreeMap<Vec<String>, PathBuf> {
    let mut out = BTreeMap::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).expect("under src");
            let mut parts: Vec<String> = rel
                .iter()
                .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
                .collect();
            if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
                parts.pop();
            }
            out.insert(parts, path);
        }
    }
    out
}

/// The crate paths a file names: `crate::a::b`, `super::x`, and the items of
/// `use crate::a::{b, c::d}` (each as its own path).
fn references(module: &[String], text: &str) -> Vec<Vec<String>> {
    let code: String = text
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let bytes = code.as_bytes();
    let ident = |i: usize| -> (String, usize) {
        let mut j = i;
        while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
            j += 1;
        }
        (code[i..j].to_string(), j)
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let at = |j: usize, s: &str| bytes[j..].starts_with(s.as_bytes());
        let starts_word = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        let (base, mut j) = if starts_word && at(i, "crate::") {
            (Vec::new(), i + "crate::".len())
        } else if starts_word && at(i, "super::") {
            // A file's module is `folder::file` and a mod.rs's is `folder`: either way
            // one `super` drops one segment.
            let mut base = module.to_vec();
            let mut j = i;
            while at(j, "super::") {
                base.pop();
                j += "super::".len();
            }
            (base, j)
        } else {
            i += 1;
            continue;
        };
        let mut path = base;
        loop {
            if bytes.get(j) == Some(&b'{') {
                let end = code[j..].find('}').map_or(code.len(), |e| j + e);
                for item in code[j + 1..end].split(',') {
                    let item = item.trim();
                    let head: String = item
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !head.is_empty() && head != "self" {
                        let mut p = path.clone();
                        p.push(head);
                        out.push(p);
                    }
                }
                out.push(path.clone());
                j = end;
                break;
            }
            let (name, next) = ident(j);
            if name.is_empty() {
                break;
            }
            path.push(name);
            j = next;
            if at(j, "::") {
                j += 2;
            } else {
                break;
            }
        }
        if !path.is_empty() {
            out.push(path);
        }
        i = j.max(i + 1);
    }
    out
}

/// The file a path lands in: its longest prefix that is a module.
fn resolve<'a>(
    path: &[String],
    modules: &'a BTreeMap<Vec<String>, PathBuf>,
) -> Option<&'a Vec<String>> {
    (1..=path.len())
        .rev()
        .find_map(|n| modules.get_key_value(&path[..n]).map(|(k, _)| k))
}

/// A file, or the folder inside a layer it belongs to (`app::action`, `ui::modal`).
fn unit(module: &[String]) -> Vec<String> {
    module.iter().take(2).cloned().collect()
}

struct Graph {
    /// unit → units it imports, with one example file pair for the message.
    edges: BTreeMap<Vec<String>, BTreeMap<Vec<String>, String>>,
    violations: Vec<String>,
}

fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules = modules(&src);
    let mut g = Graph {
        edges: BTreeMap::new(),
        violations: Vec::new(),
    };
    for (module, file) in &modules {
        let text = std::fs::read_to_string(file).expect("read source");
        let from_layer = module.first().map_or("lib", String::as_str);
        for r in references(module, &text) {
            let Some(target) = resolve(&r, &modules) else {
                continue;
            };
            let to_layer = target.first().map_or("lib", String::as_str);
            if let (Some(a), Some(b)) = (rank(from_layer), rank(to_layer)) {
                if b < a {
                    g.violations.push(format!(
                        "{} imports {} ({} is above {})",
                        file.display(),
                        r.join("::"),
                        to_layer,
                        from_layer
                    ));
                }
            }
            // A layer's own mod.rs only declares and re-exports its files.
            if target.len() < 2 || module.len() < 2 {
                continue;
            }
            let (u, v) = (unit(module), unit(target));
            if u != v {
                g.edges
                    .entry(u)
                    .or_default()
                    .entry(v)
                    .or_insert_with(|| format!("{} → {}", file.display(), r.join("::")));
            }
        }
    }
    g
}

#[test]
fn no_layer_imports_a_layer_above_it() {
    let g = graph();
    assert!(g.violations.is_empty(), "{}", g.violations.join("\n"));
}

#[test]
fn no_import_cycle_between_files() {
    let g = graph();
    // Depth-first search for a back edge; reports the circle it closes.
    fn visit(
        u: &Vec<String>,
        g: &Graph,
        stack: &mut Vec<Vec<String>>,
        done: &mut BTreeSet<Vec<String>>,
        cycles: &mut Vec<String>,
    ) {
        if done.contains(u) {
            return;
        }
        if let Some(at) = stack.iter().position(|s| s == u) {
            let circle: Vec<String> = stack[at..].iter().map(|m| m.join("::")).collect();
            let why = g.edges[stack.last().expect("non-empty")][u].clone();
            cycles.push(format!(
                "{} → {}  ({why})",
                circle.join(" → "),
                u.join("::")
            ));
            return;
        }
        stack.push(u.clone());
        if let Some(next) = g.edges.get(u) {
            for v in next.keys() {
                visit(v, g, stack, done, cycles);
            }
        }
        stack.pop();
        done.insert(u.clone());
    }
    let mut done = BTreeSet::new();
    let mut cycles = Vec::new();
    for u in g.edges.keys() {
        visit(u, &g, &mut Vec::new(), &mut done, &mut cycles);
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_checker_sees_imports() {
    // A checker that finds no edges would pass every rule: it must see the known ones.
    let g = graph();
    let app_update = vec!["app".to_string(), "update".to_string()];
    let imports = g.edges.get(&app_update).expect("app::update has imports");
    assert!(imports.contains_key(&vec!["app".to_string(), "state".to_string()]));
    // The panes are built again in app::rebuild (split out of app::update).
    let app_rebuild = vec!["app".to_string(), "rebuild".to_string()];
    let imports = g.edges.get(&app_rebuild).expect("app::rebuild has imports");
    assert!(imports.contains_key(&vec!["view".to_string(), "panes".to_string()]));
}
