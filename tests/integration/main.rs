//! The integration tests: one binary, one module per area (as bottom does), so the
//! crate is linked once. Tests that set process-wide environment variables live in
//! `tests/process_env/` instead: in one process they would change each other's world.

// Test code: a fixture or server that does not come up should fail the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod aws_iam;
mod aws_moto;
mod aws_render;
mod cli;
mod config_fixtures;
mod config_precedence;
mod demo;
mod deps_checks;
mod e2e_tmux;
mod keymap_dialogs;
mod kube_actions;
mod kube_diagnostics;
mod kube_panes;
mod kube_render;
mod layers;
mod pane_table;
mod pg_actions;
mod pg_connection;
mod pg_locks;
mod pg_long_queries;
mod pg_prepared;
mod pg_render;
mod pg_statements;
mod pg_tls;
mod redis_live;
mod redis_render;
mod reducer;
mod render_layout;
mod signals_cloudwatch;
mod signals_render;
