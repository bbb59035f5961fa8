//! PG locks pane: blocker → blocked trees (chains of any depth, several victims per
//! blocker), root blockers first by how many sessions they block. XACT is each
//! session's transaction age: a root blocker idle in a 12-minute transaction is the
//! runbook's "long-running transaction holding locks".

use super::pg_activity::{dur, short_state};
use super::BuildCtx;
use crate::collect::postgres::{LockNode, PgData};
use crate::view::redact::Redact;
use crate::view::safe_text::SafeText;
use crate::view::table::{Column, Level, PaneContent, SummaryItem, TableRow, Target};

/// At 80 columns: the tree of pids, mode, object, wait, transaction age, how many
/// blocked, the query.
const COLUMNS: [Column; 9] = [
    Column::text("PID", 12, 12, 10),
    Column::text("USER", 8, 10, 4),
    Column::text("MODE", 13, 19, 8),
    Column::text("OBJECT", 16, 24, 7),
    Column::num("WAITED", 6, 9),
    Column::num("XACT", 6, 8),
    Column::text("STATE", 10, 13, 5),
    Column::num("BLK", 4, 6),
    Column::text("QUERY", 20, 400, 6),
];

pub fn build(data: &PgData, ctx: &BuildCtx) -> PaneContent {
    let roots = data.lock_tree.iter().filter(|n| n.depth == 0).count();
    let blocked: std::collections::BTreeSet<i32> = data
        .lock_tree
        .iter()
        .filter(|n| n.depth > 0)
        .map(|n| n.pid)
        .collect();
    let mut summary = Vec::new();
    if !data.lock_tree.is_empty() {
        let oldest = data
            .lock_tree
            .iter()
            .filter_map(|n| waited(data, n))
            .fold(0.0f64, f64::max);
        summary.push(SummaryItem::text(
            &format!(
                "{} blocked session(s) behind {roots} root blocker(s); longest wait {}",
                blocked.len(),
                dur(Some(oldest))
            ),
            Level::Crit,
        ));
    }
    let mut path: Vec<i32> = Vec::new();
    let rows = data
        .lock_tree
        .iter()
        .map(|n| {
            path.truncate(n.depth as usize);
            path.push(n.pid);
            row(data, n, &path, ctx.redact)
        })
        .collect();
    PaneContent {
        memo: Default::default(),
        summary,
        columns: COLUMNS.to_vec(),
        rows,
        empty_message: Some("no blocking locks".into()),
    }
}

/// How long this node has waited: `pg_locks.waitstart` (≥ 14), else since its query started.
fn waited(data: &PgData, n: &LockNode) -> Option<f64> {
    let w = n.waiting.as_ref()?;
    let start = w.wait_start_us.or_else(|| {
        data.session_by_pid(n.pid)
            .and_then(|s| s.state_change_us.or(s.query_start_us))
    });
    data.age_secs(start)
}

fn row(data: &PgData, n: &LockNode, path: &[i32], redact: Redact) -> TableRow {
    let key = format!(
        "lock:{}",
        path.iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join(">")
    );
    if n.prepared {
        let gids: Vec<&str> = data.prepared.iter().map(|p| p.gid.as_str()).collect();
        let what = if gids.is_empty() {
            "prepared transaction".to_string()
        } else {
            format!("prepared transaction {}", gids.join(", "))
        };
        let prepared_age = data
            .prepared
            .iter()
            .filter_map(|p| data.age_secs(p.prepared_us))
            .reduce(f64::max);
        let cells = vec![
            SafeText::line("0"),
            SafeText::line(
                data.prepared
                    .first()
                    .and_then(|p| p.owner.as_deref())
                    .unwrap_or(""),
            ),
            SafeText::line(&n.held_modes.join(",")),
            SafeText::line(""),
            SafeText::line(""),
            SafeText::line(&dur(prepared_age)),
            SafeText::line("prepared"),
            SafeText::line(&n.blocks.to_string()),
            SafeText::line(&what),
        ];
        return TableRow::new(key, cells)
            .level(Level::Crit)
            .sort_key(5, prepared_age.unwrap_or(-1.0))
            .sort_key(7, n.blocks as f64)
            .detail("pid", "0 (a prepared transaction, not a backend)")
            .detail("prepared transactions", &gids.join(", "))
            .detail(
                "resolve with",
                "COMMIT PREPARED 'gid' or ROLLBACK PREPARED 'gid' (cancel/terminate cannot end it)",
            )
            .detail("blocks", &format!("{} session(s)", n.blocks));
    }
    let s = data.session_by_pid(n.pid);
    let user = s.and_then(|s| s.user.as_deref()).unwrap_or("");
    let state = s.and_then(|s| s.state.as_deref());
    let query = &*redact.sql(s.and_then(|s| s.query.as_deref()).unwrap_or(""));
    let (mode, object) = match &n.waiting {
        Some(w) => (w.mode.clone(), w.object.clone()),
        None if !n.held_modes.is_empty() => (n.held_modes.join(","), "(holds)".to_string()),
        None => (String::new(), String::new()),
    };
    let waited_s = waited(data, n);
    let xact_s = data.age_secs(s.and_then(|s| s.xact_start_us));
    let pid_text = if n.cycle {
        format!("{} (cycle)", n.pid)
    } else {
        n.pid.to_string()
    };
    let cells = vec![
        SafeText::line(&pid_text),
        SafeText::line(user),
        SafeText::line(&mode),
        SafeText::line(&object),
        SafeText::line(&if n.waiting.is_some() {
            dur(waited_s)
        } else {
            String::new()
        }),
        SafeText::line(&dur(xact_s)),
        SafeText::line(&short_state(state)),
        SafeText::line(&if n.blocks > 0 {
            n.blocks.to_string()
        } else {
            String::new()
        }),
        SafeText::line(query),
    ];
    let level = if n.depth == 0 {
        Level::Crit
    } else {
        Level::Warn
    };
    let mut r = TableRow::new(key, cells)
        .level(level)
        .depth(n.depth)
        .copy(query)
        .sort_key(4, waited_s.unwrap_or(-1.0))
        .sort_key(5, xact_s.unwrap_or(-1.0))
        .sort_key(7, n.blocks as f64)
        .detail("pid", &n.pid.to_string())
        .detail("user", user)
        .detail(
            "application_name",
            s.and_then(|s| s.application.as_deref()).unwrap_or(""),
        )
        .detail("state", state.unwrap_or(""));
    if let Some(p) = n.parent {
        r = r.detail("blocked by", &p.to_string());
    }
    if let Some(w) = &n.waiting {
        r = r
            .detail(
                "waits for",
                &format!("{} {} on {}", w.mode, w.locktype, w.object),
            )
            .detail("waited", &dur(waited_s));
    }
    if !n.held_modes.is_empty() {
        r = r.detail("holds (contended)", &n.held_modes.join(", "));
    }
    r = r
        .detail("blocks", &format!("{} session(s)", n.blocks))
        .detail("transaction duration", &dur(xact_s))
        .detail("query", query);
    match s.and_then(|s| s.backend_start_us) {
        Some(bs) => r.target(Target::Backend {
            pid: n.pid,
            backend_start_us: bs,
        }),
        None => r,
    }
}
