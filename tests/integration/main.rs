//! The integration tests: one binary, one module per area (as bottom does), so the
//! crate is linked once. Tests that set process-wide environment variables live in
//! `tests/process_env/` instead: in one process they would change each other's world.

mod support;

mod aws_iam;
mod aws_moto;
mod aws_render;
mod cli;
mod config_fixtures;
mod config_precedence;
mod demo;
mod e2e_tmux;
mod kube_actions;
mod kube_panes;
mod kube_render;
mod kube_scale;
mod layers;
mod pg_actions;
mod pg_connection;
mod pg_locks;
mod pg_prepared;
mod pg_render;
mod pg_statements;
mod pg_tls;
mod redis_live;
mod redis_render;
mod reducer;
mod render_layout;
mod sort_marks;
