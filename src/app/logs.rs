//! The logs view's state and keys: the lines of a pod or deployment (bounded), which
//! stream it shows (running or previous container, with or without timestamps), the
//! filter and its match count, wrapping or horizontal scrolling, and writing what is
//! shown to a file in the state directory.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::event::Command;
use crate::collect::kube::LogRequest;
use crate::config::keymap::KeyAction;
use crate::view::safe_text::SafeText;

/// Most lines the logs view keeps: bounded memory however long it follows.
pub const LOG_LINES_MAX: usize = 5_000;
/// Columns one `left`/`right` moves an unwrapped view.
pub const HSCROLL_STEP: usize = 8;
/// Longest server name (pod, deployment) put in a file name.
const NAME_IN_FILE_MAX: usize = 63;

#[derive(Debug, Clone, PartialEq)]
pub struct LogsState {
    /// The stream shown; a toggle of previous or timestamps restarts it.
    pub request: LogRequest,
    pub lines: VecDeque<SafeText>,
    pub follow: bool,
    pub filter: String,
    pub editing_filter: bool,
    pub scroll_from_bottom: usize,
    /// Long lines wrap (on) or are cut at the edge and scroll sideways (off).
    pub wrap: bool,
    /// Columns scrolled to the right when not wrapping.
    pub hscroll: usize,
}

/// What a key did to the logs view.
pub enum LogsKey {
    Stay(Vec<Command>),
    Close,
}

impl LogsState {
    pub fn new(request: LogRequest) -> Self {
        Self {
            follow: request.follow,
            request,
            lines: VecDeque::new(),
            filter: String::new(),
            editing_filter: false,
            scroll_from_bottom: 0,
            wrap: true,
            hscroll: 0,
        }
    }

    pub fn title(&self) -> String {
        self.request.kubectl()
    }

    pub fn push_lines(&mut self, lines: Vec<String>) {
        for l in lines {
            if self.lines.len() == LOG_LINES_MAX {
                self.lines.pop_front();
            }
            self.lines.push_back(SafeText::line(&l));
        }
    }

    pub fn visible(&self) -> Vec<&SafeText> {
        let needle = self.filter.to_lowercase();
        self.lines
            .iter()
            .filter(|l| needle.is_empty() || l.as_str().to_lowercase().contains(&needle))
            .collect()
    }

    /// `12 of 340 lines match` when filtering, else `340 lines`.
    pub fn count_label(&self) -> String {
        if self.filter.is_empty() {
            format!("{} lines", self.lines.len())
        } else {
            format!(
                "{} of {} lines match",
                self.visible().len(),
                self.lines.len()
            )
        }
    }

    /// Starts the stream again as `request` now says: the old lines belong to another
    /// stream (the other container, or without timestamps), so they go.
    fn restart(&mut self) -> Vec<Command> {
        self.lines.clear();
        self.scroll_from_bottom = 0;
        self.hscroll = 0;
        self.follow = self.request.follow && !self.request.previous;
        vec![Command::StartLogs(self.request.clone())]
    }

    /// The key `action` (from `[logs]`, else `[global]`) in the logs view.
    pub fn on_action(
        &mut self,
        action: Option<KeyAction>,
        now: SystemTime,
        state_dir: &Path,
        redact: crate::view::redact::Redact,
    ) -> LogsKey {
        match action {
            Some(KeyAction::Follow) => {
                self.follow = !self.follow;
                self.scroll_from_bottom = 0;
            }
            Some(KeyAction::PreviousLogs) => {
                self.request.previous = !self.request.previous;
                return LogsKey::Stay(self.restart());
            }
            Some(KeyAction::Timestamps) => {
                self.request.timestamps = !self.request.timestamps;
                return LogsKey::Stay(self.restart());
            }
            Some(KeyAction::WrapLines) => {
                self.wrap = !self.wrap;
                self.hscroll = 0;
            }
            Some(KeyAction::ScrollRight) if !self.wrap => {
                self.hscroll = self
                    .hscroll
                    .saturating_add(HSCROLL_STEP)
                    .min(LINE_WIDTH_MAX);
            }
            Some(KeyAction::ScrollLeft) => {
                self.hscroll = self.hscroll.saturating_sub(HSCROLL_STEP);
            }
            Some(KeyAction::WriteLogs) => {
                let lines = self
                    .visible()
                    .iter()
                    .map(|l| redact.log_line(l.as_str()).into_owned())
                    .collect();
                let path = state_dir.join(self.file_name(now));
                return LogsKey::Stay(vec![Command::WriteLogs { path, lines }]);
            }
            Some(KeyAction::Filter) => self.editing_filter = true,
            Some(KeyAction::Up) => {
                self.follow = false;
                self.scroll_from_bottom = self.scroll_from_bottom.saturating_add(1);
            }
            Some(KeyAction::Down) => {
                self.scroll_from_bottom = self.scroll_from_bottom.saturating_sub(1)
            }
            Some(KeyAction::PageUp) => {
                self.follow = false;
                self.scroll_from_bottom = self.scroll_from_bottom.saturating_add(20);
            }
            Some(KeyAction::PageDown) => {
                self.scroll_from_bottom = self.scroll_from_bottom.saturating_sub(20)
            }
            Some(KeyAction::Back | KeyAction::Quit) => return LogsKey::Close,
            _ => {}
        }
        LogsKey::Stay(vec![])
    }

    /// `kitops-logs-<pod>-previous-20260115-103000.log`: which stream, and when. The
    /// server's name is reduced to file-name-safe characters.
    fn file_name(&self, now: SystemTime) -> PathBuf {
        let who = self
            .request
            .pod
            .as_deref()
            .or(self.request.deployment.as_deref())
            .unwrap_or("namespace");
        let who: String = who
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .take(NAME_IN_FILE_MAX)
            .collect();
        let which = if self.request.previous {
            "-previous"
        } else {
            ""
        };
        let at: chrono::DateTime<chrono::Utc> = now.into();
        PathBuf::from(format!(
            "kitops-logs-{who}{which}-{}.log",
            at.format("%Y%m%d-%H%M%S")
        ))
    }
}

/// Far enough right for any line the sanitizer lets through.
const LINE_WIDTH_MAX: usize = 64 * 1024;
