//! The hostile corpus (`support::hostile`) through the sources `hostile_text.rs` does not
//! reach: PostgreSQL names (role, database, schema, table in a lock chain), a hostile
//! Redis server (INFO, CLUSTER NODES, CONFIG and error replies), kube-sim log lines (the
//! logs view and `w`), and what moto accepts verbatim (ALB health-check path, RDS
//! instance fields). Each test runs the real binary in tmux against its source, walks
//! the panes, details, dialogs and copies that show the text, quits, and checks the
//! terminal bytes, the copies, every file the console wrote and `snapshot --format
//! json|table` (`support::hostile_exits`).

mod aws;
mod kube_logs;
mod pg_names;
mod redis;
