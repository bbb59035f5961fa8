//! The integration tests: one binary, one module per area (as bottom does), so the
//! crate is linked once. Tests that set process-wide environment variables live in
//! `tests/process_env/` instead: in one process they would change each other's world.

// Test code: a fixture or server that does not come up should fail the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod action_deadlines;
mod audit_trail;
mod aws_iam;
mod aws_moto;
mod aws_render;
mod canary_secrets;
mod cli;
mod cli_bounds;
mod config_fixtures;
mod config_precedence;
mod demo;
mod demo_env_cleanup;
mod demo_story;
mod deps_checks;
mod dialog_sizes;
mod dialogs_mutate_nothing;
mod e2e_tmux;
mod fault_matrix;
mod fuzz_parsers;
mod hostile_sources;
mod hostile_text;
mod incident;
mod keymap_dialogs;
mod kube_actions;
mod kube_clock;
mod kube_diagnostics;
mod kube_in_place;
mod kube_node_details;
mod kube_panes;
mod kube_rbac;
mod kube_render;
mod kube_scale;
mod kube_scale_sort;
mod layers;
mod log_file;
mod logs_view;
mod pane_table;
mod pg_actions;
mod pg_connection;
mod pg_grants;
mod pg_locks;
mod pg_long_queries;
mod pg_prepared;
mod pg_render;
mod pg_statements;
mod pg_tls;
mod pods_columns;
mod presenter;
mod presenter_free_text;
mod presenter_keys;
mod redis_live;
mod redis_render;
mod reducer;
mod render_layout;
mod replay;
mod signals_cloudwatch;
mod signals_render;
mod snapshot_output;
mod sort_marks;
mod terminal_bytes;
mod timeline;
