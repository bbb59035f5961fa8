//! The header: where am I pointed, how fresh is it, and is it production.

use crate::ui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use super::replay_bar;
use crate::app::State;
use crate::view::safe_text::SafeText;

/// A header piece: its text and, when it has one, its own style.
type Piece = (String, Option<Style>);

/// Header pieces in priority order: when the screen is narrow the last ones go first.
pub fn pieces(state: &State, theme: &Theme) -> Vec<Piece> {
    pieces_with_player(state, theme).0
}

/// The pieces, the index of the player's (the timeline bar follows it on screen) and
/// of the last piece that outranks the bar (the recorded incident, or the player).
fn pieces_with_player(state: &State, theme: &Theme) -> (Vec<Piece>, Option<(usize, usize)>) {
    let cfg = &state.config;
    let mut out: Vec<(String, Option<Style>)> = Vec::new();
    let mut player = None;
    out.push((" kitops-top".into(), None));
    if state.is_production() {
        out.push(("PRODUCTION".into(), Some(theme.header(true))));
    }
    // Presenter mode is what the audience must be able to trust: it outlasts the rest.
    if state.redact {
        out.push(("REDACTED".into(), Some(theme.badge_readonly())));
    }
    // Replaying, where the player stands comes before the (recorded) incident.
    if cfg.demo {
        out.push(("DEMO (recorded)".into(), Some(theme.badge_readonly())));
    }
    if let Some(r) = &state.replay {
        out.push((replay_piece(r), Some(theme.badge_readonly())));
        player = Some((out.len() - 1, out.len() - 1));
    }
    // The open incident next: at 80 columns it must outlast everything after it.
    if let Some(piece) = incident_piece(state, theme) {
        out.push(piece);
        player = player.map(|(at, _)| (at, out.len() - 1));
    }
    if !cfg.demo && cfg.readonly {
        out.push(("READ-ONLY".into(), Some(theme.badge_readonly())));
    }
    if state.replay.is_none() && state.paused {
        out.push(("PAUSED".into(), Some(theme.badge_readonly())));
    }
    let clock: chrono::DateTime<chrono::Utc> = state.now.into();
    out.push((clock.format("%H:%M:%SZ").to_string(), None));
    let ctx = state.kube_context().map(SafeText::line);
    out.push((
        format!(
            "k8s {}/{}",
            ctx.as_ref().map(SafeText::as_str).unwrap_or("-"),
            SafeText::line(&cfg.kube.namespace)
        ),
        None,
    ));
    if cfg.demo {
        // The recording's endpoints are not the config's; the panes say what was recorded.
        return (out, player);
    }
    let db = cfg
        .postgres
        .url
        .as_ref()
        .map(|u| short_endpoint(&u.redacted()));
    out.push((format!("pg {}", db.as_deref().unwrap_or("-")), None));
    let redis = cfg
        .redis
        .url
        .as_ref()
        .map(|u| short_endpoint(&u.redacted()));
    out.push((format!("redis {}", redis.as_deref().unwrap_or("-")), None));
    out.push((
        format!("aws {}", cfg.aws.region.as_deref().unwrap_or("-")),
        None,
    ));
    out.push((
        format!("every {}", humantime::format_duration(cfg.refresh)),
        None,
    ));
    if let Some(h) = state.sources.host.data.as_deref() {
        out.push((
            format!("{} load {:.2}", SafeText::line(&h.hostname), h.load_1m),
            None,
        ));
    }
    (out, player)
}

/// The player: `▶2× 01:23/05:00 ◆1/3` (events passed / all) or `PAUSED 01:23/05:00 ◆1/3`.
fn replay_piece(r: &crate::collect::replay::player::Status) -> String {
    let mmss = |d: std::time::Duration| {
        let s = d.as_secs();
        if s >= 3600 {
            format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
        } else {
            format!("{:02}:{:02}", s / 60, s % 60)
        }
    };
    let state = if r.paused {
        "PAUSED".to_string()
    } else {
        format!("▶{}×", r.speed)
    };
    let next = r.marks.iter().filter(|m| m.at > r.position).count();
    format!(
        "{state} {}/{} ◆{}/{}",
        mmss(r.position),
        mmss(r.length),
        r.marks.len() - next,
        r.marks.len()
    )
}

/// `SEV1 title 00:12:34 resp 15m res 4h`, amber at 75 % of a running target, red past it.
fn incident_piece(state: &State, theme: &Theme) -> Option<(String, Option<Style>)> {
    use crate::app::incident::{clock, short_duration};
    let inc = state.open_incident()?;
    let settings = &state.config.incident;
    let t = inc.severity.targets(settings);
    let mut title: String = SafeText::line(&state.redaction().text(&inc.title)).into_string();
    if title.chars().count() > 24 {
        title = title.chars().take(23).collect::<String>() + "…";
    }
    let mut text = format!(
        "{} {title} {}",
        inc.severity.label(),
        clock(inc.elapsed(state.now))
    );
    // Live, the targets are what the responder races; in a replay the player needs the room.
    if state.replay.is_none() {
        text.push_str(&format!(
            " resp {} res {}",
            short_duration(t.response),
            short_duration(t.resolution)
        ));
    }
    let level = inc.level(settings, state.now);
    Some((text, Some(theme.level(level))))
}

/// `user@host:port/db` without scheme, password or query.
fn short_endpoint(redacted: &str) -> String {
    match url::Url::parse(redacted) {
        Ok(u) => {
            let mut s = String::new();
            if !u.username().is_empty() {
                s.push_str(u.username());
                s.push('@');
            }
            s.push_str(u.host_str().unwrap_or(""));
            if let Some(p) = u.port() {
                s.push_str(&format!(":{p}"));
            }
            let path = u.path().trim_start_matches('/');
            if !path.is_empty() {
                s.push('/');
                s.push_str(path);
            }
            SafeText::line(&s).into_string()
        }
        Err(_) => SafeText::line(redacted).into_string(),
    }
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let base = theme.header(state.is_production());
    let sep = if theme.ascii { " | " } else { " │ " };
    let (pieces, player) = pieces_with_player(state, theme);
    let width = area.width as usize;
    // Which pieces fit, in priority order; the timeline bar (a space and at least
    // MIN_WIDTH cells) right after the pieces that outrank it.
    let bar_min = replay_bar::MIN_WIDTH + 1;
    let mut used = 0usize;
    let mut fitting = 0usize;
    let mut bar = false;
    for (i, (text, _)) in pieces.iter().enumerate() {
        let extra = if i == 0 { 0 } else { sep.width() };
        if used + extra + text.width() > width {
            break;
        }
        used += extra + text.width();
        fitting = i + 1;
        if player.is_some_and(|(_, outranks)| outranks == i) && used + bar_min <= width {
            used += bar_min;
            bar = true;
        }
    }
    // A piece that outranks the bar did not fit (a long incident title at 80 columns):
    // the bar still follows the player when there is room.
    if !bar && player.is_some_and(|(at, _)| at < fitting) && used + bar_min <= width {
        used += bar_min;
        bar = true;
    }
    // The bar takes what room is left, up to its widest.
    let bar_width = replay_bar::MIN_WIDTH
        + width
            .saturating_sub(used)
            .min(replay_bar::MAX_WIDTH - replay_bar::MIN_WIDTH);
    let mut spans = Vec::new();
    for (i, (text, style)) in pieces.into_iter().take(fitting).enumerate() {
        if i > 0 {
            spans.push(Span::raw(sep));
        }
        spans.push(match style {
            Some(s) => Span::styled(text, s),
            None => Span::raw(text),
        });
        if let (true, Some((at, _)), Some(r)) = (bar, player, &state.replay) {
            if at == i {
                spans.push(Span::raw(" "));
                spans.extend(replay_bar::spans(r, bar_width, theme, base));
            }
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(base), area);
}
