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
use crate::view::redact::Redact;
use crate::view::safe_text::SafeText;

/// A header piece: its texts, widest first (a narrow screen takes the first that fits),
/// and, when it has one, its own style.
struct Piece {
    texts: Vec<String>,
    style: Option<Style>,
}

impl Piece {
    fn plain(text: String) -> Self {
        Self::styled(text, None)
    }

    fn styled(text: String, style: Option<Style>) -> Self {
        Self {
            texts: vec![text],
            style,
        }
    }
}

/// The pieces, the index of the player's (the timeline bar follows it on screen) and
/// of the last piece that outranks the bar (the recorded incident, or the player).
fn pieces_with_player(state: &State, theme: &Theme) -> (Vec<Piece>, Option<(usize, usize)>) {
    let cfg = &state.config;
    let mut out: Vec<Piece> = Vec::new();
    let mut player = None;
    out.push(Piece::plain(" kitops-top".into()));
    if state.is_production() {
        out.push(Piece::styled("PRODUCTION".into(), Some(theme.header(true))));
    }
    // Presenter mode is what the audience must be able to trust: it outlasts the rest.
    if state.redact {
        out.push(Piece::styled(
            "REDACTED".into(),
            Some(theme.badge_readonly()),
        ));
    }
    // Replaying, where the player stands comes before the (recorded) incident.
    if cfg.demo {
        out.push(Piece {
            texts: vec!["DEMO (recorded)".into(), "DEMO".into()],
            style: Some(theme.badge_readonly()),
        });
    }
    if let Some(r) = &state.replay {
        out.push(Piece {
            texts: replay_texts(r),
            style: Some(theme.badge_readonly()),
        });
        player = Some((out.len() - 1, out.len() - 1));
    }
    // The open incident next: at 80 columns it must outlast everything after it.
    if let Some(piece) = incident_piece(state, theme) {
        out.push(piece);
        player = player.map(|(at, _)| (at, out.len() - 1));
    }
    if !cfg.demo && cfg.readonly {
        out.push(Piece::styled(
            "READ-ONLY".into(),
            Some(theme.badge_readonly()),
        ));
    }
    if state.replay.is_none() && state.paused {
        out.push(Piece::styled("PAUSED".into(), Some(theme.badge_readonly())));
    }
    let clock: chrono::DateTime<chrono::Utc> = state.now.into();
    out.push(Piece::plain(clock.format("%H:%M:%SZ").to_string()));
    let ctx = state.kube_context().map(SafeText::line);
    out.push(Piece::plain(format!(
        "k8s {}/{}",
        ctx.as_ref().map(SafeText::as_str).unwrap_or("-"),
        SafeText::line(&cfg.kube.namespace)
    )));
    if cfg.demo {
        // The recording's endpoints are not the config's; the panes say what was recorded.
        return (out, player);
    }
    // The console's own endpoints are masked like any address in presenter mode: an IP
    // and its port go, a host name stays (it names the server, like a pod name).
    let endpoint = |url: Option<&crate::config::SecretUrl>| {
        url.map(|u| short_endpoint(&u.redacted(), state.redaction()))
    };
    let db = endpoint(cfg.postgres.url.as_ref());
    out.push(Piece::plain(format!("pg {}", db.as_deref().unwrap_or("-"))));
    let redis = endpoint(cfg.redis.url.as_ref());
    out.push(Piece::plain(format!(
        "redis {}",
        redis.as_deref().unwrap_or("-")
    )));
    out.push(Piece::plain(format!(
        "aws {}",
        cfg.aws.region.as_deref().unwrap_or("-")
    )));
    out.push(Piece::plain(format!(
        "every {}",
        humantime::format_duration(cfg.refresh)
    )));
    if let Some(h) = state.sources.host.data.as_deref() {
        out.push(Piece::plain(format!(
            "{} load {:.2}",
            SafeText::line(&h.hostname),
            h.load_1m
        )));
    }
    (out, player)
}

/// The player: `▶2× 01:23/05:00 ◆1/3` (events passed / all) or `PAUSED 01:23/05:00 ◆1/3`;
/// narrower without the event count (the timeline bar shows the marks).
fn replay_texts(r: &crate::collect::replay::player::Status) -> Vec<String> {
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
    let short = format!("{state} {}/{}", mmss(r.position), mmss(r.length));
    vec![
        format!("{short} ◆{}/{}", r.marks.len() - next, r.marks.len()),
        short,
    ]
}

/// `SEV1 title 00:12:34 resp 15m res 4h`, amber at 75 % of a running target, red past it;
/// narrower, the title is cut shorter (the severity and the clock always stay).
fn incident_piece(state: &State, theme: &Theme) -> Option<Piece> {
    use crate::app::incident::{clock, short_duration};
    let inc = state.open_incident()?;
    let settings = &state.config.incident;
    let t = inc.severity.targets(settings);
    let title: String = SafeText::line(&state.redaction().text(&inc.title)).into_string();
    // Live, the targets are what the responder races; in a replay the player needs the room.
    let targets = if state.replay.is_none() {
        format!(
            " resp {} res {}",
            short_duration(t.response),
            short_duration(t.resolution)
        )
    } else {
        String::new()
    };
    let elapsed = clock(inc.elapsed(state.now));
    let texts = (0..=24)
        .rev()
        .map(|room| {
            // Under two cells a cut title would be only its mark: leave it out.
            let cut = if room < 2 && title.width() > room {
                String::new()
            } else {
                crate::view::format::truncate(&title, room, theme.ascii)
            };
            let gap = if cut.is_empty() { "" } else { " " };
            format!("{}{gap}{cut} {elapsed}{targets}", inc.severity.label())
        })
        .collect();
    let level = inc.level(settings, state.now);
    Some(Piece {
        texts,
        style: Some(theme.level(level)),
    })
}

/// `user@host:port/db` without scheme, password or query; in presenter mode an IP host
/// and its port masked (a host name stays).
fn short_endpoint(redacted: &str, redaction: Redact) -> String {
    match url::Url::parse(redacted) {
        Ok(u) => {
            let mut s = String::new();
            if !u.username().is_empty() {
                s.push_str(u.username());
                s.push('@');
            }
            let host = u.host_str().unwrap_or("");
            // A postgres:// or redis:// URL's host is opaque to `url`: parse it here.
            let is_ip = host
                .trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_ok();
            let masked = redaction.0 && is_ip;
            if masked {
                s.push_str(&redaction.address(host.trim_matches(['[', ']'])));
            } else {
                s.push_str(host);
            }
            if let Some(p) = u.port() {
                s.push(':');
                if masked {
                    s.push_str(&redaction.port(&p.to_string()));
                } else {
                    s.push_str(&p.to_string());
                }
            }
            let path = u.path().trim_start_matches('/');
            if !path.is_empty() {
                s.push('/');
                s.push_str(path);
            }
            SafeText::line(&s).into_string()
        }
        Err(_) => SafeText::line(&redaction.text(redacted)).into_string(),
    }
}

/// The bar's width the header keeps room for before it widens an incident title.
const BAR_WANTED: usize = 16;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let base = theme.header(state.is_production());
    let sep = if theme.ascii { " | " } else { " │ " };
    let (pieces, player) = pieces_with_player(state, theme);
    let width = area.width as usize;
    let bar_min = replay_bar::MIN_WIDTH + 1;
    let keep = player.map_or(0, |(_, outranks)| outranks + 1);
    // The pieces that outrank the bar leave it more than its least, or its marks merge.
    let kept = kept_texts(&pieces[..keep], width, sep.width(), BAR_WANTED + 1);
    let mut used = 0usize;
    let mut chosen: Vec<&String> = Vec::new();
    let mut bar = false;
    for (i, piece) in pieces.iter().enumerate() {
        let extra = if i == 0 { 0 } else { sep.width() };
        let room = width.saturating_sub(used + extra);
        let text = kept
            .get(i)
            .map(|&k| &piece.texts[k])
            .filter(|t| t.width() <= room)
            .or_else(|| piece.texts.iter().find(|t| t.width() <= room));
        let Some(text) = text else { break };
        used += extra + text.width();
        chosen.push(text);
        if player.is_some_and(|(_, outranks)| outranks == i) && used + bar_min <= width {
            used += bar_min;
            bar = true;
        }
    }
    // A piece that outranks the bar did not fit (a very narrow screen): the bar still
    // follows the player when there is room.
    if !bar && player.is_some_and(|(at, _)| at < chosen.len()) && used + bar_min <= width {
        used += bar_min;
        bar = true;
    }
    // The bar takes what room is left, up to its widest.
    let bar_width = replay_bar::MIN_WIDTH
        + width
            .saturating_sub(used)
            .min(replay_bar::MAX_WIDTH - replay_bar::MIN_WIDTH);
    let mut spans = Vec::new();
    for (i, (text, piece)) in chosen.into_iter().zip(&pieces).enumerate() {
        if i > 0 {
            spans.push(Span::raw(sep));
        }
        spans.push(match piece.style {
            Some(s) => Span::styled(text.clone(), s),
            None => Span::raw(text.clone()),
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

/// Which text each piece that outranks the timeline bar shows: all of them narrowed
/// alike until they fit with the bar, then each widened again while they still fit —
/// the last (the incident) first, so `DEMO (recorded)` gives way before its title.
fn kept_texts(kept: &[Piece], width: usize, sep: usize, bar: usize) -> Vec<usize> {
    let total = |choice: &[usize]| -> usize {
        let texts: usize = kept
            .iter()
            .zip(choice)
            .map(|(p, &c)| p.texts[c].width())
            .sum();
        texts + sep * kept.len().saturating_sub(1) + bar
    };
    let depth = kept.iter().map(|p| p.texts.len()).max().unwrap_or(1);
    let at_depth = |k: usize| -> Vec<usize> {
        kept.iter()
            .map(|p| k.min(p.texts.len().saturating_sub(1)))
            .collect()
    };
    let mut choice = at_depth(depth - 1);
    if let Some(k) = (0..depth).find(|&k| total(&at_depth(k)) <= width) {
        choice = at_depth(k);
    }
    for i in (0..kept.len()).rev() {
        while choice[i] > 0 {
            choice[i] -= 1;
            if total(&choice) > width {
                choice[i] += 1;
                break;
            }
        }
    }
    choice
}
