//! View models: what each pane shows, built from the collectors' snapshots, with no
//! terminal in sight. `ui` draws these; the reducer, the executor's dialogs and the
//! headless modes read them. Everything from a server reaches a view model only as
//! `SafeText`, the sanitizer.
//!
//! Layer rule: `view` imports only `collect` and `config` (never `app`, `act`, `ui`).

pub mod attention;
pub mod format;
mod live_cell;
pub mod panes;
pub mod redact;
mod row_cells;
pub mod safe_text;
pub mod table;

pub use safe_text::SafeText;
pub use table::{Column, Level, PaneContent, SummaryItem, TableRow, Target};
