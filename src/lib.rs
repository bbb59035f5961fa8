//! kitops-top: collectors publish snapshots → the app reduces events into state →
//! rendering is a pure function of state → actions pass one confirm + audit path.

pub mod act;
pub mod app;
pub mod cli;
pub mod collect;
pub mod config;
pub mod escape;
pub mod headless;
pub mod heap;
pub mod jobs;
pub mod logging;
pub mod runtime;
pub mod terminal;
pub mod ui;
pub mod view;
pub mod view_task;
