//! What the integration tests share: servers (PostgreSQL clusters, Redis instances,
//! moto, kube-sim), the tmux driver and the fixed clock.
#![allow(dead_code)]
pub mod clock;
pub mod hostile;
pub mod hostile_exits;
pub mod keys;
pub mod kube;
pub mod moto;
pub mod pg;
pub mod pg_cluster;
pub mod proxy;
pub mod redis;
pub mod resp;
pub mod tmux;

/// The attention line's items as text, most severe first: what the user reads under the
/// header.
pub fn problem_texts(state: &kitops_top::app::state::State) -> Vec<String> {
    state
        .problems()
        .iter()
        .map(|(_, a)| a.text.to_string())
        .collect()
}

/// Every file below `dir`, at any depth (a console's home after a run: log, audit,
/// recordings, incident file).
pub fn files_under(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}
