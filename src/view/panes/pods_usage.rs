//! A metrics round over a pod row kept from the very pod object: `pods::update_live`
//! without reading the pod. What follows from the pod — restarts, age, requests and
//! limits — is in the row's live cells already; only the usage (beside the pod in the
//! snapshot) and the clock are new. At 100,000 pods, reading each pod's fields and
//! its status strings for the level was a cache miss or three per row: most of
//! `update_live`'s time in a metrics round.

use super::pods::{pct, set_age_key, set_usage, COL_AGE, COL_CPU_PCT, COL_MEM_PCT, COL_RESTARTS};
use super::pods::{CRIT_PCT, WARN_PCT};
use crate::collect::kube::{MetricsStatus, Usage};
use crate::view::table::{Level, LiveCell, Num, TableRow};

/// What a pod row's live cells say about its pod.
struct Kept {
    created: Option<i64>,
    last_restart: Option<i64>,
    cpu: (Num, Num),
    memory: (Num, Num),
    /// The memory used when the row was last brought up to date.
    memory_before: Num,
}

fn kept(row: &TableRow) -> Option<Kept> {
    let mut created = None;
    let mut last_restart = None;
    let mut cpu = None;
    let mut memory = None;
    for (col, cell) in row.live.iter() {
        match (usize::from(*col), *cell) {
            (COL_AGE, LiveCell::Age(since)) => created = Some(since),
            (COL_RESTARTS, LiveCell::Restarts { last, .. }) => last_restart = Some(last),
            (COL_CPU_PCT, LiveCell::PctPair { request, limit, .. }) => cpu = Some((request, limit)),
            (
                COL_MEM_PCT,
                LiveCell::PctPair {
                    used,
                    request,
                    limit,
                },
            ) => memory = Some((used, request, limit)),
            _ => {}
        }
    }
    let (memory_before, mem_request, mem_limit) = memory?;
    Some(Kept {
        created: created?,
        last_restart: last_restart?,
        cpu: cpu?,
        memory: (mem_request, mem_limit),
        memory_before,
    })
}

/// The level memory use against the limit calls for (`pods::pod_level`'s share).
fn usage_level(memory: Num, limit: Num) -> Level {
    match memory.get().and_then(|m| pct(m, limit.get())) {
        Some(p) if p >= CRIT_PCT => Level::Crit,
        Some(p) if p >= WARN_PCT => Level::Warn,
        _ => Level::Normal,
    }
}

fn rank(l: Level) -> u8 {
    match l {
        Level::Normal => 0,
        Level::Warn => 1,
        Level::Crit => 2,
        Level::Ok | Level::Dim => 3,
    }
}

/// The level the pod's status calls for now, told from the row's last level and the
/// usage it had then; `None` when that does not tell (the status and the usage called
/// for the same level, or a restart within the hour that `now` may have aged out).
fn status_level(row: &TableRow, kept: &Kept, now: i64) -> Option<Level> {
    // A recent OOMKilled restart is a warning for an hour after it: a clock-dependent
    // part the last level cannot be split from.
    if kept.last_restart.is_some_and(|t| now - t < 3600) {
        return None;
    }
    let by_usage = usage_level(kept.memory_before, kept.memory.1);
    match row.level {
        Level::Normal => Some(Level::Normal),
        Level::Crit if rank(by_usage) < rank(Level::Crit) => Some(Level::Crit),
        // Any restart at all: the warning may have been the (since aged) OOMKilled one.
        Level::Warn if by_usage == Level::Normal && kept.last_restart.is_none() => {
            Some(Level::Warn)
        }
        _ => None,
    }
}

/// `pods::update_live` for a row made from this very pod object, from `usage` and
/// `now` alone; `false` (the row untouched) when the row cannot tell its level.
pub(super) fn update_usage(
    row: &mut TableRow,
    usage: Option<Usage>,
    metrics: &MetricsStatus,
    now: i64,
) -> bool {
    let Some(kept) = kept(row) else {
        return false;
    };
    let Some(status) = status_level(row, &kept, now) else {
        return false;
    };
    set_usage(row, usage, metrics.cell_text(), kept.cpu, kept.memory);
    set_age_key(row, kept.created, now);
    let memory = Num::from(usage.map(|u| u.memory));
    let by_usage = usage_level(memory, kept.memory.1);
    row.level = if rank(by_usage) > rank(status) {
        by_usage
    } else {
        status
    };
    true
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::collect::kube::{LivePod, PodInfo, Resources};
    use crate::view::panes::pods::{pod_row, update_live};

    const NOW: i64 = 1_795_000_000;
    const MI: f64 = 1024.0 * 1024.0;

    fn pod(i: usize) -> PodInfo {
        let reasons = [
            "Running",
            "CrashLoopBackOff",
            "Pending",
            "OOMKilled",
            "Error",
        ];
        let reason = reasons[i % reasons.len()];
        PodInfo {
            uid: format!("uid-{i}"),
            name: format!("web-{i}"),
            namespace: "kitops".into(),
            node: Some("node-1".into()),
            created: (!i.is_multiple_of(7)).then_some(NOW - 3600),
            deleting: i.is_multiple_of(11),
            phase: if reason == "Pending" {
                "Pending"
            } else {
                "Running"
            }
            .into(),
            reason: reason.into(),
            message: String::new(),
            ready: u32::from(!i.is_multiple_of(3)),
            containers: 1,
            restarts: (i % 4) as u32,
            // No restart, one long ago, one just under and one just over an hour ago.
            last_restart: [None, Some(NOW - 86400), Some(NOW - 3590), Some(NOW - 3610)][i % 4],
            last_termination: i.is_multiple_of(2).then(|| "OOMKilled".to_string()),
            last_exit_code: None,
            replicaset: Some("web-5f6d7c8b9".into()),
            requests: Resources {
                cpu: (!i.is_multiple_of(5)).then_some(0.1),
                memory: (!i.is_multiple_of(6)).then_some(128.0 * MI),
            },
            limits: Resources {
                cpu: i.is_multiple_of(3).then_some(0.5),
                memory: (i % 5 != 1).then_some(256.0 * MI),
            },
            active: true,
        }
    }

    /// Memory use that puts a pod under, at and over the warning and critical shares.
    fn usage(round: usize, i: usize) -> Option<Usage> {
        let mi = [100.0, 205.0, 204.7, 231.0, 230.3, 300.0, 0.0][(round + i) % 7];
        (!(round + i).is_multiple_of(9)).then_some(Usage {
            cpu: 0.01 * (round + i) as f64,
            memory: mi * MI,
        })
    }

    #[test]
    fn a_kept_row_brought_up_to_date_is_what_the_pod_itself_makes() {
        let metrics = MetricsStatus::Live {
            timestamp: NOW,
            window_s: 15.0,
        };
        let mut fast = 0;
        for i in 0..420 {
            let info = Arc::new(pod(i));
            let mut row = pod_row(
                &LivePod::new(info.clone(), usage(0, i)),
                None,
                &metrics,
                NOW,
            );
            // Rounds a little later (an OOMKilled restart ages out of its hour) and
            // once the clock went back (a replay seeking backwards).
            for (round, now) in [(1, NOW + 15), (2, NOW + 30), (3, NOW - 40), (4, NOW + 60)] {
                let p = LivePod::new(info.clone(), usage(round, i));
                let mut want = row.clone();
                update_live(&mut want, &p, &metrics, now);
                let mut got = row.clone();
                if update_usage(&mut got, p.usage, &metrics, now) {
                    fast += 1;
                } else {
                    assert!(got == row, "a row it cannot tell is left alone");
                    update_live(&mut got, &p, &metrics, now);
                }
                assert!(
                    got == want,
                    "pod {i} round {round}: {:?} / {:?}",
                    got.level,
                    want.level
                );
                row = want;
            }
        }
        // Most rows take the path that does not read the pod.
        assert!(fast > 420 * 4 / 2, "{fast} of {}", 420 * 4);
    }
}
