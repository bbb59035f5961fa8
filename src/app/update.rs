//! The reducer: `update(state, event) -> commands`. No I/O happens here.

use crossterm::event::KeyEvent;

use super::action::Op;
use super::confirm::request;
use super::event::{Built, Command, Event, SourceUpdate};
use super::incident::conditions::{self, ALL_SOURCES};
use super::modal::Modal;
use super::pane::{PaneId, SourceId, PANES};
use super::rebuild::rebuild;
use super::state::State;
use super::update_incident;
use crate::collect::kube::KubeData;
use crate::collect::replay::player::Control;
use crate::collect::Snapshot;
use crate::config::keymap::{Context, Key, KeyAction};
use crate::view::panes::pods;
use crate::view::table::Level;

pub fn update(state: &mut State, event: Event) -> Vec<Command> {
    let mut commands = dispatch(state, event);
    commands.extend(prepare_requests(state));
    commands
}

/// The orders the tables still need made off the UI task (a sort of a large table
/// typed or arrived with a snapshot), one request per table at a time.
fn prepare_requests(state: &mut State) -> Vec<Command> {
    PaneId::all()
        .filter_map(|pane| {
            let request = state.pane_mut(pane).table.prepare_request()?;
            Some(Command::PrepareTable { pane, request })
        })
        .collect()
}

fn dispatch(state: &mut State, event: Event) -> Vec<Command> {
    match event {
        Event::Key(key) => {
            state.dirty = true;
            on_key(state, key)
        }
        Event::Resize { height, .. } => {
            state.screen_height = height;
            state.dirty = true;
            vec![]
        }
        Event::Resumed => {
            state.dirty = true;
            vec![]
        }
        Event::Tick(now) => {
            state.now = now;
            state.dirty = true;
            super::confirm::refresh_ages(state);
            // Staleness is a matter of time, not of a new snapshot.
            update_incident::on_snapshots(state, &ALL_SOURCES, Vec::new())
        }
        Event::Source(update) => {
            state.dirty = true;
            on_source(state, update)
        }
        Event::Built(built) => {
            state.dirty = true;
            on_built(state, *built)
        }
        Event::Prepared { pane, table } => {
            let on_screen = &mut state.panes[pane.index()].table;
            let replaced = on_screen.derived();
            if on_screen.adopt_order(*table) {
                state.retired.push(replaced);
                state.dirty = true;
            }
            vec![]
        }
        Event::ReplayStatus(status) => {
            super::replay::on_status(state, status);
            state.dirty = true;
            vec![]
        }
        Event::Recorded { reset, events } => {
            super::replay::on_events(state, reset, events);
            state.dirty = true;
            vec![]
        }
        Event::IncidentSaved(result) => {
            if let Err(e) = result {
                state.set_status(format!("incident not saved: {e}"), Level::Crit);
                state.dirty = true;
            }
            vec![]
        }
        Event::Outcome { action, outcome } => {
            super::update_outcome::on_outcome(state, &action, outcome)
        }
        Event::Validated { action, outcome } => {
            super::update_outcome::on_validated(state, &action, outcome);
            state.dirty = true;
            vec![]
        }
        Event::Copied(result) => {
            match result {
                // The footer already says what was copied: add how it went.
                Ok(path) => {
                    let what = state
                        .status
                        .as_ref()
                        .filter(|s| s.text.starts_with("copied"))
                        .map_or_else(|| "copied".to_string(), |s| s.text.clone());
                    state.set_status(format!("{what} · {path}"), Level::Ok);
                }
                Err(e) => state.set_status(format!("copy failed: {e}"), Level::Warn),
            }
            state.dirty = true;
            vec![]
        }
        Event::LogsWritten {
            path,
            lines,
            result,
        } => {
            match result {
                Ok(()) => state.set_status(format!("wrote {lines} lines to {path}"), Level::Ok),
                Err(e) => state.set_status(format!("cannot write {path}: {e}"), Level::Crit),
            }
            state.dirty = true;
            vec![]
        }
        Event::ExecutorBusy(action) => {
            super::update_outcome::on_busy(state, &action);
            vec![]
        }
        Event::LogLines(lines) => {
            if let Some(Modal::Logs(logs)) = state.modals.last_mut() {
                logs.push_lines(lines);
                state.dirty = true;
            }
            vec![]
        }
    }
}

fn on_source(state: &mut State, update: SourceUpdate) -> Vec<Command> {
    let (source, kube_before) = store(state, update);
    let data = conditions::of_data(source, &state.sources, &state.config);
    state.data_conditions.insert(source, data);
    for spec in PANES.iter().filter(|p| p.source == source) {
        rebuild(state, spec.id);
    }
    let restarts = kube_before
        .map(|before| conditions::restarts(&before, &state.sources.kube))
        .unwrap_or_default();
    update_incident::on_snapshots(state, &[source], restarts)
}

/// A snapshot whose panes were built off the UI task (`prebuild`): swapped in, each
/// table keeping its selection (and refiltered here only if the filter or sort changed
/// while it was built).
fn on_built(state: &mut State, built: Built) -> Vec<Command> {
    let (source, kube_before) = store(state, built.update);
    if let Some(data) = kube_before.and_then(|k| k.data) {
        state.retired.push(data);
    }
    state.data_conditions.insert(source, built.conditions);
    let (status, fetched_at, has_data) = state.sources.status(source);
    for pane in built.panes {
        let p = &mut state.panes[pane.id.index()];
        p.status = status.clone();
        p.fetched_at = fetched_at;
        if let Some(table) = pane.table {
            let replaced = (p.table.content.clone(), p.table.derived());
            p.table.adopt(table);
            state.retired.push(replaced.0);
            state.retired.push(replaced.1);
        }
        if has_data {
            p.attention = pane.attention;
        }
    }
    update_incident::on_snapshots(state, &[source], built.restarts)
}

/// Keeps the snapshot; the Kubernetes one it replaces comes back (restarts are a diff).
fn store(state: &mut State, update: SourceUpdate) -> (SourceId, Option<Snapshot<KubeData>>) {
    let mut kube_before = None;
    let source = match update {
        SourceUpdate::Kube(s) => {
            kube_before = Some(std::mem::replace(&mut state.sources.kube, s));
            SourceId::Kube
        }
        SourceUpdate::Postgres(s) => {
            state.sources.pg = s;
            SourceId::Postgres
        }
        SourceUpdate::Redis(s) => {
            state.sources.redis = s;
            SourceId::Redis
        }
        SourceUpdate::Aws(s) => {
            state.sources.aws = s;
            SourceId::Aws
        }
        SourceUpdate::Host(s) => {
            state.sources.host = s;
            SourceId::Host
        }
        SourceUpdate::Deps(s) => {
            state.sources.deps = s;
            SourceId::Deps
        }
    };
    (source, kube_before)
}

/// `a`: focus the pane of the next item of the attention line and select its row;
/// pressed again, the item after it (most severe first, then round again).
fn next_problem(state: &mut State) {
    let problems = state.problems();
    if problems.is_empty() {
        state.set_status("no problems to jump to", Level::Ok);
        return;
    }
    let i = state.problem_cursor % problems.len();
    state.problem_cursor = i + 1;
    let (pane, item) = &problems[i];
    state.focus = *pane;
    let table = &mut state.pane_mut(*pane).table;
    if let Some(key) = &item.row_key {
        if !table
            .visible
            .iter()
            .any(|&r| &table.content.rows[r].key == key)
        {
            table.set_filter(String::new());
        }
        if table
            .visible
            .iter()
            .any(|&r| &table.content.rows[r].key == key)
        {
            table.selected_key = Some(key.clone());
        }
    }
    let text = format!("{}/{}: {}", i + 1, problems.len(), item.text);
    state.set_status(text, item.level);
}

fn on_key(state: &mut State, ev: KeyEvent) -> Vec<Command> {
    let Some(key) = Key::from_event(&ev) else {
        return vec![];
    };
    if !state.modals.is_empty() {
        return super::update_modal::on_modal_key(state, ev, key);
    }
    // Replaying, the player's keys come first (home/end move in time, not in a table).
    let contexts: &[Context] = if state.replay.is_some() {
        &[Context::Replay, state.focus.context(), Context::Global]
    } else {
        &[state.focus.context(), Context::Global]
    };
    match state.keymap.lookup(contexts, &key) {
        Some(action) => on_action(state, action),
        None => vec![],
    }
}

fn page(state: &State) -> isize {
    (state.screen_height as isize / 3 - 3).max(3)
}

pub(crate) fn on_action(state: &mut State, action: KeyAction) -> Vec<Command> {
    use KeyAction as K;
    let focus = state.focus;
    match action {
        K::Quit => return vec![Command::Quit],
        K::Help => state.modals.push(Modal::Help { scroll: 0 }),
        K::FocusNext => state.focus = focus.next(),
        K::FocusPrev => state.focus = focus.prev(),
        K::FocusPods
        | K::FocusNodes
        | K::FocusPgActivity
        | K::FocusPgLocks
        | K::FocusRedis
        | K::FocusTargets
        | K::FocusSignals
        | K::FocusDeps => {
            if let Some(id) = PaneId::focused_by(action) {
                state.focus = id;
            }
        }
        K::NextProblem => next_problem(state),
        K::Zoom => state.zoomed = !state.zoomed,
        K::Filter => {
            let text = state.focused().table.filter.clone();
            state.modals.push(Modal::Filter { pane: focus, text });
        }
        K::Pause if state.replay.is_some() => {
            return vec![Command::Replay(Control::TogglePause)];
        }
        K::ReplayPause => return vec![Command::Replay(Control::TogglePause)],
        K::ReplayFaster => return vec![Command::Replay(Control::Faster)],
        K::ReplaySlower => return vec![Command::Replay(Control::Slower)],
        K::ReplayBack => return vec![Command::Replay(Control::BACK)],
        K::ReplayForward => return vec![Command::Replay(Control::FORWARD)],
        K::ReplayPrevEvent => return vec![Command::Replay(Control::PrevEvent)],
        K::ReplayNextEvent => return vec![Command::Replay(Control::NextEvent)],
        K::ReplayStart => return vec![Command::Replay(Control::Start)],
        K::ReplayEnd => return vec![Command::Replay(Control::End)],
        K::Pause => {
            state.paused = !state.paused;
            return vec![Command::SetPaused(state.paused)];
        }
        K::Copy => {
            if let Some(row) = state.focused().table.selected() {
                let text = if row.copy_text.is_empty() {
                    row.cells.first().map(str::to_string).unwrap_or_default()
                } else {
                    row.copy_text.clone()
                };
                let shown: String = text.chars().take(40).collect();
                state.set_status(format!("copied: {shown}"), Level::Ok);
                return vec![Command::Copy(text)];
            }
        }
        K::Redact => super::update_redact::toggle(state),
        K::Down => state.pane_mut(focus).table.move_by(1),
        K::Up => state.pane_mut(focus).table.move_by(-1),
        K::PageDown => {
            let p = page(state);
            state.pane_mut(focus).table.move_by(p)
        }
        K::PageUp => {
            let p = page(state);
            state.pane_mut(focus).table.move_by(-p)
        }
        K::Top => state.pane_mut(focus).table.select_first(),
        K::Bottom => state.pane_mut(focus).table.select_last(),
        K::Details => super::details::open(state),
        K::Back => {
            if state.zoomed {
                state.zoomed = false;
            } else if !state.focused().table.filter.is_empty() {
                state.pane_mut(focus).table.set_filter(String::new());
            }
        }
        K::Sort => state.pane_mut(focus).table.cycle_sort(),
        // Only the Pods context binds these (config/keymap.rs).
        K::SortMemory => state.pane_mut(focus).table.sort_by(pods::COL_MEM),
        K::SortCpu => state.pane_mut(focus).table.sort_by(pods::COL_CPU),
        K::SortRestarts => state.pane_mut(focus).table.sort_by(pods::COL_RESTARTS),
        K::Refresh => return vec![Command::RefreshNow],
        K::Suspend => return vec![Command::Suspend],
        K::ToggleView => {
            let pane = state.pane_mut(focus);
            pane.alt_view = !pane.alt_view;
            rebuild(state, focus);
        }
        K::RolloutRestart
        | K::DeletePod
        | K::Scale
        | K::RolloutUndo
        | K::SetImage
        | K::Logs
        | K::PgCancel
        | K::PgTerminate
        | K::RedisEvictionPolicy
        | K::RdsSnapshot
        | K::RdsFailover
        | K::HealthCheck
        | K::DeregisterTarget => {
            if let Some(op) = Op::for_key(action) {
                return request(state, op);
            }
        }
        K::AuditOverlay => state.modals.push(Modal::Audit { scroll: 0 }),
        K::Incident | K::IncidentOverlay | K::IncidentNote | K::StatusUpdate => {
            return update_incident::on_key(state, action)
        }
        // Keys of the logs view, dialogs, text fields and the incident overlay:
        // handled by update_modal.
        K::TickStep
        | K::Follow
        | K::WriteLogs
        | K::PreviousLogs
        | K::Timestamps
        | K::WrapLines
        | K::ScrollLeft
        | K::ScrollRight
        | K::Confirm
        | K::Cancel
        | K::ClearInput
        | K::DeleteWord
        | K::DeleteChar => {}
    }
    vec![]
}
