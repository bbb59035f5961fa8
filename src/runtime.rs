//! The interactive loop: one `select!` over terminal events, snapshots, action
//! outcomes, a clock tick and signals. Redraws only when something changed.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use color_eyre::Result;
use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use futures::StreamExt;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::{mpsc, watch};

use crate::act::Executor;
use crate::app::action::Action;
use crate::app::{update, Command, Event, SourceUpdate, State};
use crate::collect::replay::{self, Recording};
use crate::collect::sources::{spawn_all, Channels};
use crate::collect::{Controls, Snapshot};
use crate::config::keymap::Keymap;
use crate::config::Config;
use crate::ui::theme::Theme;
use crate::{terminal, ui};

/// Forwards a snapshot channel into the event queue: its current value first, then
/// each change. A slow UI makes this wait, and it then reads only the latest value.
fn forward<T: Send + Sync + 'static>(
    mut rx: watch::Receiver<Snapshot<T>>,
    tx: mpsc::Sender<Event>,
    wrap: fn(Snapshot<T>) -> SourceUpdate,
) {
    tokio::spawn(async move {
        loop {
            let snap = rx.borrow_and_update().clone();
            if tx.send(Event::Source(wrap(snap))).await.is_err() {
                return;
            }
            if rx.changed().await.is_err() {
                return; // the source is off or finished; its last value stays shown
            }
        }
    });
}

/// What the executor task is asked to do.
enum Job {
    Run(Action),
    Validate(Action),
}

fn spawn_executor(config: &Config, events: mpsc::Sender<Event>) -> mpsc::Sender<Job> {
    let (tx, mut rx) = mpsc::channel::<Job>(4);
    let mut executor = Executor::new(config);
    tokio::spawn(async move {
        while let Some(job) = rx.recv().await {
            let event = match job {
                Job::Run(action) => {
                    let outcome = executor.run(&action).await;
                    Event::Outcome { action, outcome }
                }
                Job::Validate(action) => {
                    let outcome = executor.validate(&action).await;
                    Event::Validated { action, outcome }
                }
            };
            if events.send(event).await.is_err() {
                return;
            }
        }
    });
    tx
}

/// Where the snapshots come from.
pub enum Feed {
    Live,
    Replay(Recording),
}

pub async fn run(config: Config, keymap: Keymap, theme: Theme, feed: Feed) -> Result<()> {
    let config = Arc::new(config);
    let mut guard = terminal::enter()?;
    let (pause_tx, controls) = Controls::free_running();
    let (event_tx, mut event_rx) = mpsc::channel::<Event>(64);
    let (channels, replay_clock) = match feed {
        Feed::Live => (spawn_all(&config, &controls), None),
        Feed::Replay(recording) => {
            let (channels, clock) = replay::play(recording);
            (channels, Some(clock))
        }
    };
    let clock = move || replay_clock.map_or_else(SystemTime::now, |c| c.now());
    let Channels {
        kube,
        pg,
        redis,
        aws,
        host,
        deps,
    } = channels;
    forward(kube, event_tx.clone(), SourceUpdate::Kube);
    forward(pg, event_tx.clone(), SourceUpdate::Postgres);
    forward(redis, event_tx.clone(), SourceUpdate::Redis);
    forward(aws, event_tx.clone(), SourceUpdate::Aws);
    forward(host, event_tx.clone(), SourceUpdate::Host);
    forward(deps, event_tx.clone(), SourceUpdate::Deps);
    let actions = spawn_executor(&config, event_tx.clone());

    let mut state = State::new(config.clone(), Arc::new(keymap), clock());
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
    loop {
        if state.dirty {
            guard.terminal.draw(|f| ui::draw(f, &state, &theme))?;
            state.dirty = false;
            if panic_after_first_draw {
                panic!("KITOPS_TOP_TEST_PANIC is set");
            }
        }
        let event = tokio::select! {
            biased;
            _ = sigterm.recv() => break,
            _ = sighup.recv() => break,
            _ = sigint.recv() => break,
            key = keys.next() => match key {
                Some(Ok(TermEvent::Key(k))) if k.kind == KeyEventKind::Press => Event::Key(k),
                Some(Ok(TermEvent::Resize(width, height))) => Event::Resize { width, height },
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e.into()),
                None => break, // the terminal is gone (SSH dropped)
            },
            Some(ev) = event_rx.recv() => ev,
            _ = tick.tick() => Event::Tick(clock()),
        };
        // What a command's effect reports (a copy failed, the executor was busy) goes
        // back through the reducer like any other event, in order.
        let mut pending = std::collections::VecDeque::from([event]);
        while let Some(event) = pending.pop_front() {
            let mut follow_ups = Vec::new();
            for command in update(&mut state, event) {
                match command {
                    Command::Quit => return Ok(()),
                    Command::Validate(action) => {
                        // Best effort: the executor dry-runs again before applying anyway.
                        let _ = actions.try_send(Job::Validate(action));
                    }
                    Command::Execute(action) => {
                        if let Err(refused) = actions.try_send(Job::Run(action)) {
                            let (Job::Run(action) | Job::Validate(action)) = refused.into_inner();
                            follow_ups.push(Event::ExecutorBusy(action));
                        }
                    }
                    Command::Copy(text) => {
                        let result = terminal::copy(&text).map_err(|e| e.to_string());
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
                    Command::StartLogs {
                        namespace,
                        pod,
                        deployment,
                        follow,
                    } => {
                        let (tx, mut rx) = mpsc::channel::<Vec<String>>(16);
                        let task = crate::collect::kube::spawn_logs(
                            config.kube.clone(),
                            namespace,
                            pod,
                            deployment,
                            follow,
                            tx,
                        );
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
                    Command::WriteLogs { path, lines } => {
                        let result = std::fs::write(&path, lines.join("\n") + "\n")
                            .map_err(|e| e.to_string());
                        follow_ups.push(Event::LogsWritten {
                            path,
                            lines: lines.len(),
                            result,
                        });
                    }
                }
            }
            pending.extend(follow_ups);
        }
    }
    Ok(())
}
