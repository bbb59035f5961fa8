//! The interactive loop: one `select!` over terminal events, snapshots, action
//! outcomes, a clock tick and signals. Redraws only when something changed.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use color_eyre::Result;
use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use futures::StreamExt;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::{mpsc, watch};

use crate::act::audit::{AuditLog, Record};
use crate::act::incident_store;
use crate::app::action::Outcome;
use crate::app::prebuild::ViewPrefs;
use crate::app::table::TableState;
use crate::app::{update, Command, Event, SourceUpdate, State};
use crate::collect::replay::{player, Recording};
use crate::collect::sources::{spawn_all, Channels};
use crate::collect::{Controls, Snapshot};
use crate::config::keymap::Keymap;
use crate::config::Config;
use crate::headless::session_recorder::SessionRecorder;
use crate::jobs::ActionQueues;
use crate::ui::theme::Theme;
use crate::view::Level;
use crate::view_task::ViewTask;
use crate::{terminal, ui};

/// Forwards a snapshot channel to the pane builder (`view_task`), whose built panes
/// come back as events: its current value first, then each change. A slow builder
/// makes this wait, and it then reads only the latest value.
fn forward<T: Send + Sync + 'static>(
    mut rx: watch::Receiver<Snapshot<T>>,
    tx: mpsc::Sender<SourceUpdate>,
    wrap: fn(Snapshot<T>) -> SourceUpdate,
) {
    tokio::spawn(async move {
        loop {
            let snap = rx.borrow_and_update().clone();
            if tx.send(wrap(snap)).await.is_err() {
                return;
            }
            if rx.changed().await.is_err() {
                return; // the source is off or finished; its last value stays shown
            }
        }
    });
}

/// Forwards the replay player's position into the event queue.
fn forward_replay(mut rx: watch::Receiver<player::Status>, tx: mpsc::Sender<Event>) {
    tokio::spawn(async move {
        loop {
            let status = rx.borrow_and_update().clone();
            if tx.send(Event::ReplayStatus(status)).await.is_err() {
                return;
            }
            if rx.changed().await.is_err() {
                return;
            }
        }
    });
}

/// Where the snapshots come from.
pub enum Feed {
    Live,
    /// A recording under the player; `looping` for the demo.
    Replay {
        recording: Recording,
        looping: bool,
    },
}

/// `recorder`: `--record FILE`, opened by the caller before the terminal is touched.
pub async fn run(
    config: Config,
    keymap: Keymap,
    theme: Theme,
    feed: Feed,
    mut recorder: Option<SessionRecorder>,
) -> Result<()> {
    let config = Arc::new(config);
    let mut guard = terminal::enter()?;
    let (pause_tx, controls) = Controls::free_running();
    let (event_tx, mut event_rx) = mpsc::channel::<Event>(64);
    // Only a live session has an incident to resume; a replay's is in the recording.
    let persist_incident = matches!(feed, Feed::Live);
    let (channels, player) = match feed {
        Feed::Live => (spawn_all(&config, &controls), None),
        Feed::Replay { recording, looping } => {
            // An old recording has no events of its own: mark where thresholds crossed.
            let marks = if recording.events().next().is_none() {
                crate::app::replay::crossing_marks(&recording, &config)
            } else {
                Vec::new()
            };
            let player = player::Player::new(Arc::new(recording), looping, marks);
            let (channels, handle) = player::spawn(player);
            (channels, Some(handle))
        }
    };
    let (replay_controls, replay_status) = match player {
        Some(player::Handle {
            controls,
            status,
            mut events,
        }) => {
            forward_replay(status.clone(), event_tx.clone());
            let tx = event_tx.clone();
            tokio::spawn(async move {
                while let Some(out) = events.recv().await {
                    let ev = Event::Recorded {
                        reset: out.reset,
                        events: out.events,
                    };
                    if tx.send(ev).await.is_err() {
                        return;
                    }
                }
            });
            (Some(controls), Some(status))
        }
        None => (None, None),
    };
    // Replaying, the console's clock is the recording's, where the player stands.
    let clock = move || {
        replay_status
            .as_ref()
            .map_or_else(SystemTime::now, |s| s.borrow().now)
    };
    let Channels {
        kube,
        pg,
        redis,
        aws,
        host,
        deps,
    } = channels;
    let actions = ActionQueues::spawn(&config, &event_tx);
    let audit = AuditLog::new(config.audit_log.clone());

    let mut state = State::new(config.clone(), Arc::new(keymap), clock());
    let builder = ViewTask::spawn(config.clone(), ViewPrefs::of(&state), event_tx.clone())?;
    let to_builder = &builder.snapshots;
    forward(kube, to_builder.clone(), SourceUpdate::Kube);
    forward(pg, to_builder.clone(), SourceUpdate::Postgres);
    forward(redis, to_builder.clone(), SourceUpdate::Redis);
    forward(aws, to_builder.clone(), SourceUpdate::Aws);
    forward(host, to_builder.clone(), SourceUpdate::Host);
    forward(deps, to_builder.clone(), SourceUpdate::Deps);
    if persist_incident {
        match incident_store::load(&config.incident) {
            Ok(incident) => state.incident = incident,
            Err(e) => state.set_status(format!("incident not resumed: {e}"), Level::Crit),
        }
    }
    let size = guard.terminal.size()?;
    state.screen_height = size.height;
    let mut keys = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut logs_task: Option<tokio::task::JoinHandle<()>> = None;

    // Test hook: proves the panic path restores the terminal (tests/e2e_tmux.rs).
    let panic_after_first_draw = std::env::var_os("KITOPS_TOP_TEST_PANIC").is_some();
    'run: loop {
        if state.dirty {
            guard.terminal.draw(|f| ui::draw(f, &state, &theme))?;
            state.dirty = false;
            if panic_after_first_draw {
                panic!("KITOPS_TOP_TEST_PANIC is set");
            }
        }
        let event = tokio::select! {
            biased;
            _ = sigterm.recv() => break 'run,
            _ = sighup.recv() => break 'run,
            _ = sigint.recv() => break 'run,
            key = keys.next() => match key {
                Some(Ok(TermEvent::Key(k))) if k.kind == KeyEventKind::Press => Event::Key(k),
                Some(Ok(TermEvent::Resize(width, height))) => Event::Resize { width, height },
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e.into()),
                None => break 'run, // the terminal is gone (SSH dropped)
            },
            Some(ev) = event_rx.recv() => ev,
            _ = tick.tick() => Event::Tick(clock()),
        };
        // What a command's effect reports (a copy failed, the executor was busy) goes
        // back through the reducer like any other event, in order.
        let mut pending = std::collections::VecDeque::from([event]);
        while let Some(event) = pending.pop_front() {
            let mut follow_ups = Vec::new();
            if let Some(msg) = recorder.as_mut().and_then(|r| r.event(&event)) {
                state.set_status(msg, Level::Crit);
            }
            let commands = update(&mut state, event);
            free_elsewhere(state.take_retired());
            for command in commands {
                if let Some(msg) = recorder.as_mut().and_then(|r| r.command(&command)) {
                    state.set_status(msg, Level::Crit);
                }
                match command {
                    Command::Quit => break 'run,
                    Command::Validate(action) => actions.validate(action),
                    Command::Execute(action) => {
                        // Confirmed in this very state: its open incident is the one
                        // the action is audited under.
                        let incident = state.open_incident().map(|i| i.id.clone());
                        if let Err(action) = actions.run_during(action, incident) {
                            follow_ups.push(Event::ExecutorBusy(*action));
                        }
                    }
                    Command::AuditRefusal(r) => {
                        let outcome = Outcome::Refused(r.reason.clone());
                        let record = Record {
                            phase: "refused",
                            verb: r.op,
                            object: r.object.clone(),
                            target: &r.target,
                            incident: r.incident.as_deref(),
                            action: None,
                            outcome: Some(&outcome),
                        };
                        if let Err(e) = audit.append(&record) {
                            tracing::error!(error = %e, "audit log write failed for a refusal");
                        }
                    }
                    Command::Copy(text) => {
                        let result = terminal::copy(&text)
                            .map(|path| path.describe().to_string())
                            .map_err(|e| e.to_string());
                        follow_ups.push(Event::Copied(result));
                    }
                    Command::SetPaused(p) => {
                        let _ = pause_tx.send(p);
                    }
                    Command::RefreshNow => controls.refresh_now.notify_waiters(),
                    Command::Suspend => {
                        terminal::suspend(&mut guard)?;
                        follow_ups.push(Event::Resumed);
                    }
                    Command::StartLogs(request) => {
                        let (tx, mut rx) = mpsc::channel::<Vec<String>>(16);
                        let task =
                            crate::collect::kube::spawn_logs(config.kube.clone(), request, tx);
                        let events = event_tx.clone();
                        let relay = tokio::spawn(async move {
                            while let Some(lines) = rx.recv().await {
                                if events.send(Event::LogLines(lines)).await.is_err() {
                                    break;
                                }
                            }
                            task.abort();
                        });
                        if let Some(old) = logs_task.replace(relay) {
                            old.abort();
                        }
                    }
                    Command::StopLogs => {
                        if let Some(t) = logs_task.take() {
                            t.abort();
                        }
                    }
                    Command::Replay(control) => {
                        if let Some(c) = &replay_controls {
                            let _ = c.try_send(control);
                        }
                    }
                    Command::Crossings(_) | Command::Audited(_) => {}
                    Command::PrepareTable { pane, request } => {
                        prepare_table(pane, request, &event_tx)
                    }
                    Command::SaveIncident(incident) => {
                        if persist_incident {
                            let result = incident_store::save(&config.incident, &incident)
                                .map_err(|e| e.to_string());
                            follow_ups.push(Event::IncidentSaved(result));
                        }
                    }
                    Command::WriteLogs { path, lines } => {
                        let (path, result) = write_logs(&path, &lines);
                        follow_ups.push(Event::LogsWritten {
                            path: path.display().to_string(),
                            lines: lines.len(),
                            result,
                        });
                    }
                }
            }
            pending.extend(follow_ups);
        }
        builder.set_prefs(ViewPrefs::of(&state));
    }
    if let Some(r) = recorder {
        if let Err(e) = r.finish() {
            tracing::error!(error = %e, "recording not finished cleanly");
        }
    }
    Ok(())
}

/// Frees what the reducer replaced (a 100,000-row table) on a blocking thread: the
/// UI task would spend frames in `free`.
fn free_elsewhere(retired: crate::app::state::Retired) {
    if !retired.is_empty() {
        tokio::task::spawn_blocking(move || drop(retired));
    }
}

/// Sorts a table too large for the UI task on a blocking thread; the order comes back
/// as `Event::Prepared` (dropped if the UI has gone).
fn prepare_table(
    pane: crate::app::PaneId,
    request: crate::app::table::PrepareRequest,
    events: &mpsc::Sender<Event>,
) {
    let events = events.clone();
    tokio::task::spawn_blocking(move || {
        let table = TableState::prepared(request.content, &request.filter, request.sort);
        let _ = events.blocking_send(Event::Prepared {
            pane,
            table: Box::new(table),
        });
    });
}

/// Writes the logs view's lines to `path` (its directory created, owner-only: logs can
/// hold what the application printed), answering with the absolute path it used.
fn write_logs(
    path: &std::path::Path,
    lines: &[String],
) -> (std::path::PathBuf, Result<(), String>) {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let result = (|| {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)?;
        for line in lines {
            writeln!(file, "{line}")?;
        }
        file.sync_all()
    })()
    .map_err(|e: std::io::Error| e.to_string());
    (path, result)
}
