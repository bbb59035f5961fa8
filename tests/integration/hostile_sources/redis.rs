//! A hostile Redis (`support::resp`): INFO whose text fields (version, os, run id,
//! maxmemory-policy, role, replica, master link) are the corpus, a cluster whose one
//! node's id and hostname are the corpus, CONFIG GET naming a hostile policy, and error
//! replies carrying the corpus — on the policy action's CONFIG SET (the outcome, the
//! audit log, the log file, the session's recording and its `timeline`) and, once
//! switched on, on every INFO (the pane's error).

use std::sync::Arc;

use crate::support::hostile;
use crate::support::hostile_exits::{assert_snapshot_escaped, copy_details_then_row, pause, Exits};
use crate::support::resp::{HostileRedis, Script};
use crate::support::tmux::Tmux;

fn script() -> Script {
    let h = hostile::one_line();
    // for the fields CLUSTER NODES and INFO split on whitespace (U+0085, U+2028 and
    // U+2029 are whitespace to Rust), commas and `=`
    let word = h.replace(|c: char| c.is_whitespace() || c == ',' || c == '=', "_");
    let info = [
        "# Server".to_string(),
        format!("redis_version:{h}"),
        "redis_mode:cluster".into(),
        format!("os:{h}"),
        format!("run_id:{word}"),
        "uptime_in_seconds:3600".into(),
        "# Clients".into(),
        "connected_clients:3".into(),
        "blocked_clients:0".into(),
        "# Memory".into(),
        "used_memory:1048576".into(),
        "used_memory_rss:2097152".into(),
        "maxmemory:104857600".into(),
        format!("maxmemory_policy:{h}"),
        "mem_fragmentation_ratio:2.00".into(),
        "# Stats".into(),
        "keyspace_hits:90".into(),
        "keyspace_misses:10".into(),
        "total_commands_processed:1000".into(),
        "instantaneous_ops_per_sec:5".into(),
        "# Replication".into(),
        format!("role:{h}"),
        "connected_slaves:1".into(),
        format!("slave0:ip={word},port=6380,state={word},offset=10,lag=0"),
        format!("master_link_status:{h}"),
        "# Cluster".into(),
        "cluster_enabled:1".into(),
        "# Keyspace".into(),
        "db0:keys=10,expires=2,avg_ttl=1000".into(),
    ]
    .join("\r\n");
    Script {
        info: info + "\r\n",
        // the seed itself (`myself`): the console reuses its INFO and connects nowhere else
        cluster_nodes: format!(
            "{word} 127.0.0.1:7000@17000,{word} myself,master - 0 0 1 connected 0-16383\n"
        ),
        policy: h.clone(),
        error: format!("ERR {h}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_replies_leave_the_process_only_escaped() {
    let server = Arc::new(HostileRedis::start(script()).await);
    let env = format!("KITOPS_REDIS_URL={}", server.url());
    tokio::task::spawn_blocking(move || {
        assert_snapshot_escaped(&env, &[], "HOSTILE<");
        let exits = drive_console(&env, &server);
        exits.assert_escaped(Some("HOSTILE<"));
        assert!(
            exits
                .file("kitops.log")
                .contains("INFO: ResponseError: HOSTILE<tag\\u{e0041}"),
            "the failing INFO is logged, escaped"
        );
        let incident = exits.file("incident.json");
        assert!(
            incident.contains("CONFIG SET: ResponseError: HOSTILE<"),
            "the failed action on the incident's timeline: {incident}"
        );
        let audit = exits.file("audit.jsonl");
        assert!(
            audit.contains("redis-set-maxmemory-policy") && audit.contains("HOSTILE<"),
            "the failed attempt and its hostile `from` are audited: {audit}"
        );
        // INFO still fails: the error is what the headless output shows now
        assert_snapshot_escaped(&env, &[], "HOSTILE<");
        // the session's recording (checked with the other files) and its timeline
        // (the console's home went with its tmux server: a copy)
        let dir = tempfile::tempdir().expect("tempdir");
        let recording = dir.path().join("session.jsonl");
        std::fs::write(&recording, exits.file("session.jsonl")).expect("copy");
        for format in ["markdown", "json"] {
            let out = timeline(&recording, format);
            assert!(
                out.contains("redis-set-maxmemory-policy"),
                "{format}: {out}"
            );
            assert!(
                out.contains("HOSTILE<"),
                "{format}: the failed outcome: {out}"
            );
            assert_eq!(
                hostile::raw_in_file(&out),
                Vec::<char>::new(),
                "timeline --format {format}"
            );
        }
    })
    .await
    .expect("console driven");
}

/// The Redis pane (summary, the node row's details, `y`), the policy prompt, dialog and
/// its failed outcome, then INFO failing, then quit.
fn drive_console(env: &str, server: &HostileRedis) -> Exits {
    let t = Tmux::start_piped("hostile-redis", 200, 60, env, "--record session.jsonl");
    t.wait_for("the hostile Redis live", |s| {
        s.contains("Redis  ● live") && s.contains("HOSTILE<tag\\u{e0041}")
    });
    // an open incident: the failed action goes on its timeline and into its file
    t.keys(&["I"]);
    pause();
    t.keys(&["Enter"]);
    pause();
    t.keys(&["-l", "hostile redis"]);
    t.keys(&["Enter"]);
    t.wait_for("the incident declared", |s| s.contains("hostile redis"));
    t.keys(&["5", "z"]);
    t.wait_for("its version and policy", |s| {
        s.contains("vHOSTILE<tag\\u{e0041}") && s.contains("100Mi HOSTILE<tag\\u{e0041}")
    });
    t.keys(&["Enter"]);
    t.wait_for("the node's details", |s| {
        s.contains("id (short)") && s.contains("HOSTILE<tag\\u{e0041}\\u{e0042}\\e]52;c;")
    });
    copy_details_then_row(&t);
    t.keys(&["e"]);
    t.wait_for("the policy prompt names the current policy", |s| {
        s.contains("current: HOSTILE<tag\\u{e0041}")
    });
    t.keys(&["Enter"]);
    t.wait_for("the confirmation names it too", |s| {
        s.contains("Change Redis maxmemory-policy?") && s.contains("HOSTILE<tag\\u{e0041}")
    });
    t.keys(&["y"]);
    t.wait_for("CONFIG SET's hostile error as the outcome", |s| {
        s.contains("CONFIG SET: ") && s.contains("Error: HOSTILE<tag\\u{e0041}")
    });
    server.fail_info(true);
    t.wait_for("INFO's hostile error on the pane", |s| {
        s.contains("Redis  ✖") && s.contains("INFO: ")
    });
    Exits::after_quit(&t)
}

fn timeline(recording: &std::path::Path, format: &str) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kitops-top"))
        .arg("timeline")
        .arg(recording)
        .args(["--format", format])
        .output()
        .expect("timeline runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The same server to a client that asks for RESP3 (`HELLO 3`, answered with a map):
/// the collector reads the hostile INFO through it too.
#[tokio::test]
async fn the_hostile_server_speaks_resp3_when_asked() {
    use kitops_top::collect::redis::RedisCollector;
    use kitops_top::collect::Collector;
    let server = HostileRedis::start(script()).await;
    for url in [server.url(), format!("{}/?protocol=resp3", server.url())] {
        let mut collector = RedisCollector::new(crate::support::redis::settings(&url));
        let data = collector.collect().await.expect("collects");
        assert_eq!(data.total.info.redis_version, hostile::one_line(), "{url}");
        assert!(data.cluster, "{url}");
        assert!(data.nodes[0].name.starts_with("HOSTILE<"), "{url}");
    }
}
