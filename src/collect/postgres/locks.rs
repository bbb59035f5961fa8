//! Blocker → blocked trees, built client-side from `pg_blocking_pids()` results.
//! Chains of any depth; a session blocked by several backends appears under each;
//! roots first, sorted by how many sessions they block (directly or through a
//! chain). A prepared transaction blocks as pid 0; a waiting parallel worker is
//! reported under its leader.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::{LockWait, PgSession};

/// One row of the flattened tree, in display order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LockNode {
    pub pid: i32,
    pub depth: u8,
    /// The blocker this row is shown under (`None` for roots).
    pub parent: Option<i32>,
    /// What this session waits for (`None` for a root that waits for nothing).
    pub waiting: Option<LockWait>,
    /// Modes this session holds on the objects its children wait for.
    pub held_modes: Vec<String>,
    /// Distinct sessions blocked by this one, directly or through a chain.
    pub blocks: usize,
    /// pid 0: a prepared transaction (`pg_prepared_xacts`), not a backend.
    pub prepared: bool,
    /// Shown again lower in its own chain: a wait cycle (the deadlock detector will break it).
    pub cycle: bool,
}

/// Builds the flattened tree. `held` maps holder pid → modes it holds on objects
/// someone waits for.
pub fn build_tree(
    sessions: &[PgSession],
    waits: &[LockWait],
    held: &HashMap<i32, Vec<String>>,
) -> Vec<LockNode> {
    let leader_of: HashMap<i32, i32> = sessions
        .iter()
        .filter_map(|s| s.leader_pid.filter(|&l| l != s.pid).map(|l| (s.pid, l)))
        .collect();
    let shown = |pid: i32| *leader_of.get(&pid).unwrap_or(&pid);
    // blocker -> blocked (both as shown: workers folded into their leader)
    let mut children: BTreeMap<i32, BTreeSet<i32>> = BTreeMap::new();
    let mut blocked: BTreeSet<i32> = BTreeSet::new();
    // victim -> its blockers (as shown)
    let mut parents: BTreeMap<i32, BTreeSet<i32>> = BTreeMap::new();
    for s in sessions {
        let victim = shown(s.pid);
        for &b in &s.blocked_by {
            let b = shown(b);
            if b != victim {
                parents.entry(victim).or_default().insert(b);
            }
        }
    }
    // Transitive reduction: a queue of N waiters behind one holder reports every
    // waiter ahead of it (wait-queue blocking), which would repeat each waiter under
    // all of those ahead. Keep a victim only under its nearest blockers: drop blocker
    // `b` of `x` when another blocker of `x` is itself (transitively) blocked by `b`.
    let ancestors = |start: i32| -> BTreeSet<i32> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![start];
        while let Some(p) = stack.pop() {
            for &q in parents.get(&p).into_iter().flatten() {
                if seen.insert(q) {
                    stack.push(q);
                }
            }
        }
        seen
    };
    let anc: HashMap<i32, BTreeSet<i32>> = parents.keys().map(|&p| (p, ancestors(p))).collect();
    let anc_of = |p: i32| anc.get(&p);
    for (&victim, bs) in &parents {
        for &b in bs {
            let redundant = bs.iter().any(|&other| {
                other != b
                    && anc_of(other).is_some_and(|a| a.contains(&b))
                    && !anc_of(b).is_some_and(|a| a.contains(&other))
            });
            if !redundant {
                children.entry(b).or_default().insert(victim);
                blocked.insert(victim);
            }
        }
    }
    let mut wait_of: HashMap<i32, LockWait> = HashMap::new();
    for w in waits {
        // a leader's own wait wins over a worker's
        let pid = shown(w.pid);
        if w.pid == pid || !wait_of.contains_key(&pid) {
            wait_of.insert(pid, w.clone());
        }
    }
    let descendants = |root: i32| -> usize {
        let mut seen = BTreeSet::new();
        let mut stack = vec![root];
        while let Some(p) = stack.pop() {
            for &c in children.get(&p).into_iter().flatten() {
                if c != root && seen.insert(c) {
                    stack.push(c);
                }
            }
        }
        seen.len()
    };
    let counts: HashMap<i32, usize> = children.keys().map(|&p| (p, descendants(p))).collect();
    let count = |p: i32| counts.get(&p).copied().unwrap_or(0);

    let mut roots: Vec<i32> = children
        .keys()
        .copied()
        .filter(|p| !blocked.contains(p))
        .collect();
    // Components with no root are cycles: show each from its lowest pid.
    let mut covered: BTreeSet<i32> = BTreeSet::new();
    for &r in &roots {
        mark(&children, r, &mut covered);
    }
    for &p in children.keys() {
        if !covered.contains(&p) {
            roots.push(p);
            mark(&children, p, &mut covered);
        }
    }
    roots.sort_by(|a, b| count(*b).cmp(&count(*a)).then(a.cmp(b)));

    let mut out = Vec::new();
    for r in roots {
        let mut path = Vec::new();
        walk(
            r, None, 0, &children, &wait_of, held, &count, &mut path, &mut out,
        );
    }
    out
}

fn mark(children: &BTreeMap<i32, BTreeSet<i32>>, from: i32, seen: &mut BTreeSet<i32>) {
    let mut stack = vec![from];
    while let Some(p) = stack.pop() {
        if seen.insert(p) {
            stack.extend(children.get(&p).into_iter().flatten().copied());
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn walk(
    pid: i32,
    parent: Option<i32>,
    depth: u8,
    children: &BTreeMap<i32, BTreeSet<i32>>,
    wait_of: &HashMap<i32, LockWait>,
    held: &HashMap<i32, Vec<String>>,
    count: &dyn Fn(i32) -> usize,
    path: &mut Vec<i32>,
    out: &mut Vec<LockNode>,
) {
    let cycle = path.contains(&pid);
    out.push(LockNode {
        pid,
        depth,
        parent,
        waiting: wait_of.get(&pid).cloned(),
        held_modes: held.get(&pid).cloned().unwrap_or_default(),
        blocks: count(pid),
        prepared: pid == 0,
        cycle,
    });
    if cycle || depth >= 32 {
        return;
    }
    let mut kids: Vec<i32> = children.get(&pid).into_iter().flatten().copied().collect();
    kids.sort_by(|a, b| count(*b).cmp(&count(*a)).then(a.cmp(b)));
    path.push(pid);
    for k in kids {
        walk(
            k,
            Some(pid),
            depth + 1,
            children,
            wait_of,
            held,
            count,
            path,
            out,
        );
    }
    path.pop();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(pid: i32, by: &[i32]) -> PgSession {
        PgSession {
            pid,
            blocked_by: by.to_vec(),
            ..Default::default()
        }
    }

    fn order(nodes: &[LockNode]) -> Vec<(i32, u8)> {
        nodes.iter().map(|n| (n.pid, n.depth)).collect()
    }

    #[test]
    fn chain_and_multiple_victims_roots_by_count() {
        // A=1 blocks B=2, C=3; B blocks D=4. E=5 blocks F=6 only.
        let sessions = vec![
            s(1, &[]),
            s(2, &[1]),
            s(3, &[1]),
            s(4, &[2]),
            s(5, &[]),
            s(6, &[5]),
        ];
        let t = build_tree(&sessions, &[], &HashMap::new());
        assert_eq!(order(&t), [(1, 0), (2, 1), (4, 2), (3, 1), (5, 0), (6, 1)]);
        assert_eq!(t[0].blocks, 3);
        assert_eq!(t[1].blocks, 1);
        assert_eq!(t[4].blocks, 1);
    }

    #[test]
    fn victim_of_two_blockers_shows_under_both_and_prepared_is_pid0() {
        let sessions = vec![s(7, &[0, 8]), s(8, &[])];
        let t = build_tree(&sessions, &[], &HashMap::new());
        assert_eq!(order(&t), [(0, 0), (7, 1), (8, 0), (7, 1)]);
        assert!(t[0].prepared);
    }

    #[test]
    fn wait_queue_is_shown_as_a_chain_not_repeated_under_everyone_ahead() {
        // H holds; W1 waits on H; W2 behind W1; W3 behind W1 and W2 (soft blocking).
        let sessions = vec![s(1, &[]), s(2, &[1]), s(3, &[1, 2]), s(4, &[1, 2, 3])];
        let t = build_tree(&sessions, &[], &HashMap::new());
        assert_eq!(order(&t), [(1, 0), (2, 1), (3, 2), (4, 3)]);
        assert_eq!(t[0].blocks, 3);
    }

    #[test]
    fn cycles_terminate_and_workers_fold_into_leader() {
        let sessions = vec![s(1, &[2]), s(2, &[1])];
        let t = build_tree(&sessions, &[], &HashMap::new());
        assert_eq!(order(&t), [(1, 0), (2, 1), (1, 2)]);
        assert!(t[2].cycle);
        let mut worker = s(11, &[5]);
        worker.leader_pid = Some(10);
        let leader = PgSession {
            pid: 10,
            leader_pid: Some(10),
            ..Default::default()
        };
        let t = build_tree(&[leader, worker, s(5, &[])], &[], &HashMap::new());
        assert_eq!(order(&t), [(5, 0), (10, 1)]);
    }
}
