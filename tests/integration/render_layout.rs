//! Whole-screen snapshots at 80x24 and 200x60, every theme legible, --no-color
//! without colour, --ascii without Unicode, and truthful source status in every pane.

use std::time::SystemTime;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kitops_top::app::action::Action;
use kitops_top::app::action::KubeAction;
use kitops_top::app::modal::{ConfirmState, DryRun, Modal};
use kitops_top::app::{update, Event, SourceUpdate, State};
use kitops_top::cli::Opts;
use kitops_top::collect::Snapshot;
use kitops_top::config::{self, FileConfig};
use kitops_top::ui::{render_buffer, render_to_string};
use ratatui::style::Color;

fn clock() -> SystemTime {
    crate::support::clock::fixed() // fixed, so the header clock is stable
}

fn config(theme: &str, extra: &str) -> config::Config {
    let f: FileConfig = toml::from_str(&format!("theme = \"{theme}\"\n{extra}")).expect("config");
    let opts = Opts {
        pg_url: Some("postgres://monitor:s3cret@db.internal:5432/kitops".into()),
        redis_url: Some("redis://cache.internal:6379".into()),
        ..Opts::default()
    };
    config::resolve(&opts, &|_| None, &f).expect("resolves")
}

/// Each source in a different, realistic state: off, unreachable, still connecting.
fn incident_state(cfg: config::Config) -> State {
    let mut st = State::with_config(cfg, clock());
    let feed = [
        SourceUpdate::Kube(Snapshot::unconfigured(
            "no kubeconfig: set KUBECONFIG or create ~/.kube/config",
        )),
        SourceUpdate::Postgres(
            Snapshot::loading().failed("connect: connection refused (db.internal:5432)"),
        ),
        SourceUpdate::Redis(Snapshot::loading()),
        SourceUpdate::Aws(Snapshot::unconfigured(
            "set --aws-region, AWS_REGION or [aws] region",
        )),
    ];
    for s in feed {
        update(&mut st, Event::Source(s));
    }
    st
}

fn key(st: &mut State, code: KeyCode) {
    update(st, Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

#[test]
fn screen_80x24() {
    let st = incident_state(config("default", ""));
    insta::assert_snapshot!(render_to_string(&st, 80, 24));
}

#[test]
fn screen_200x60() {
    let st = incident_state(config("default", ""));
    insta::assert_snapshot!(render_to_string(&st, 200, 60));
}

#[test]
fn focus_moves_and_compact_layout_follows_it() {
    let mut st = incident_state(config("default", ""));
    key(&mut st, KeyCode::Char('3'));
    let screen = render_to_string(&st, 80, 24);
    assert!(
        screen
            .lines()
            .nth(2)
            .is_some_and(|l| l.contains("3 PG activity")),
        "{screen}"
    );
    assert!(
        screen.contains("connection refused"),
        "the error is shown in its own pane:\n{screen}"
    );
    key(&mut st, KeyCode::Tab);
    let screen = render_to_string(&st, 80, 24);
    assert!(
        screen
            .lines()
            .nth(2)
            .is_some_and(|l| l.contains("4 PG locks")),
        "{screen}"
    );
    insta::assert_snapshot!("pg_locks_focused_80x24", screen);
}

#[test]
fn help_overlay_is_generated_from_the_keymap() {
    let mut st = incident_state(config("default", ""));
    key(&mut st, KeyCode::Char('?'));
    let screen = render_to_string(&st, 200, 60);
    assert!(screen.contains("Help — keys of the active keymap"));
    assert!(screen.contains("rollout restart the deployment"));
    // Later contexts are further down the overlay: page until they show.
    let mut seen = screen.contains("[pg_locks]");
    for _ in 0..10 {
        if seen {
            break;
        }
        key(&mut st, KeyCode::PageDown);
        seen = render_to_string(&st, 200, 60).contains("[pg_locks]");
    }
    assert!(seen, "the [pg_locks] context is in the help overlay");
    key(&mut st, KeyCode::Esc);
    assert!(!render_to_string(&st, 200, 60).contains("Help — keys"));
}

#[test]
fn production_confirmation_is_loud_and_exact() {
    let mut st = incident_state(config("default", "production = true"));
    let action = Action::Kube(KubeAction::RolloutRestart {
        namespace: "kitops".into(),
        deployment: "kitops-backend".into(),
    });
    let spec = kitops_top::app::modal::ConfirmState::open(action.clone(), &st).spec;
    st.modals.push(Modal::Confirm(ConfirmState {
        action,
        spec,
        typed: String::new(),
        production: true,
        readonly: false,
        error: None,
        dry_run: DryRun::Accepted,
    }));
    let screen = render_to_string(&st, 80, 24);
    assert!(screen.contains("PRODUCTION"), "{screen}");
    assert!(
        screen.contains("kubectl rollout restart deployment/kitops-backend -n kitops"),
        "{screen}"
    );
    insta::assert_snapshot!("confirm_production_80x24", screen);
    insta::assert_snapshot!("confirm_production_200x60", render_to_string(&st, 200, 60));
}

#[test]
fn secrets_never_reach_the_screen() {
    let st = incident_state(config("default", ""));
    for (w, h) in [(80, 24), (200, 60)] {
        assert!(!render_to_string(&st, w, h).contains("s3cret"));
    }
}

#[test]
fn every_theme_is_legible() {
    for theme in ["default", "light", "high-contrast", "colorblind"] {
        let st = incident_state(config(theme, ""));
        for (w, h) in [(80u16, 24u16), (200, 60)] {
            let buf = render_buffer(&st, w, h);
            for y in 0..h {
                for x in 0..w {
                    let c = &buf[(x, y)];
                    if c.symbol().trim().is_empty() {
                        continue;
                    }
                    let (fg, bg) = (c.style().fg, c.style().bg);
                    assert!(
                        fg.is_none() || fg != bg || fg == Some(Color::Reset),
                        "{theme} {w}x{h}: text at ({x},{y}) {:?} is drawn in its background colour {fg:?}",
                        c.symbol()
                    );
                }
            }
            // same words in every theme: only colours differ
            assert_eq!(
                render_to_string(&st, w, h),
                render_to_string(&incident_state(config("default", "")), w, h)
            );
        }
    }
}

#[test]
fn no_color_uses_no_colour_at_all() {
    let st = incident_state(config("default", "no_color = true"));
    let buf = render_buffer(&st, 200, 60);
    for cell in buf.content() {
        for c in [cell.style().fg, cell.style().bg].into_iter().flatten() {
            assert_eq!(c, Color::Reset, "colour {c:?} at {:?}", cell.symbol());
        }
    }
    // emphasis survives as reverse/bold: the header is reversed
    assert!(buf[(1, 0)]
        .style()
        .add_modifier
        .contains(ratatui::style::Modifier::REVERSED));
    insta::assert_snapshot!("no_color_80x24", render_to_string(&st, 80, 24));
}

#[test]
fn ascii_mode_draws_only_ascii() {
    let st = incident_state(config("default", "ascii = true"));
    for (w, h) in [(80, 24), (200, 60)] {
        let screen = render_to_string(&st, w, h);
        let bad: Vec<char> = screen.chars().filter(|c| !c.is_ascii()).collect();
        assert!(bad.is_empty(), "non-ASCII {bad:?} in:\n{screen}");
    }
}

#[test]
fn zoom_gives_the_focused_pane_the_screen() {
    let mut st = incident_state(config("default", ""));
    key(&mut st, KeyCode::Char('5'));
    key(&mut st, KeyCode::Char('z'));
    let screen = render_to_string(&st, 200, 60);
    assert!(screen.contains("5 Redis"));
    assert!(
        !screen.contains("1 Pods") && !screen.contains("6 Targets"),
        "{screen}"
    );
}

/// Which style each cell has: a legend (style → letter) and the screen as letters.
/// Snapshots of this pin how every theme colours the same screen.
fn style_map(buf: &ratatui::buffer::Buffer) -> String {
    const DIGITS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut legend: Vec<ratatui::style::Style> = Vec::new();
    let mut rows = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let st = buf[(x, y)].style();
            let i = legend.iter().position(|s| *s == st).unwrap_or_else(|| {
                legend.push(st);
                legend.len() - 1
            });
            rows.push(DIGITS.get(i).map(|&d| d as char).unwrap_or('?'));
        }
        rows.push('\n');
    }
    let mut out = String::new();
    for (i, s) in legend.iter().enumerate() {
        out.push_str(&format!(
            "{}: fg={:?} bg={:?} +{:?}\n",
            DIGITS[i] as char, s.fg, s.bg, s.add_modifier
        ));
    }
    out + &rows
}

#[test]
fn theme_style_snapshots() {
    for (name, extra) in [
        ("default", ""),
        ("light", ""),
        ("high-contrast", ""),
        ("colorblind", ""),
        ("default", "no_color = true"),
    ] {
        let mut st = incident_state(config(name, extra));
        key(&mut st, KeyCode::Char('?'));
        key(&mut st, KeyCode::Esc);
        let label = if extra.is_empty() {
            name.to_string()
        } else {
            "no-color".into()
        };
        insta::assert_snapshot!(
            format!("styles_{label}_80x24"),
            style_map(&render_buffer(&st, 80, 24))
        );
        insta::assert_snapshot!(
            format!("styles_{label}_200x60"),
            style_map(&render_buffer(&st, 200, 60))
        );
    }
}
