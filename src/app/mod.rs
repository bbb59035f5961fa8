//! The application layer: state, events, the reducer and the action values.
//! `update` does no I/O; side effects leave as `Command`s.

pub mod action;
pub mod audit;
mod confirm;
mod details;
pub mod event;
pub mod incident;
pub mod logs;
pub mod modal;
pub mod pane;
pub mod prebuild;
mod rebuild;
pub mod replay;
pub mod sources;
pub mod state;
pub mod table;
mod table_search;
mod table_sort;
pub mod update;
mod update_incident;
mod update_modal;
mod update_outcome;
mod update_redact;

pub use confirm::plan;
pub use event::{Command, Event, SourceUpdate};
pub use pane::PaneId;
pub use state::State;
pub use update::update;
