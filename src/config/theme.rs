//! Themes: plain TOML files. A user theme overrides any subset of a built-in one.
//! `--no-color` / `NO_COLOR` give a theme with no colour at all, where emphasis is
//! bold and reverse.

use std::collections::BTreeMap;
use std::path::Path;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use super::ConfigError;
use crate::app::table::Level;

pub const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("colorblind", include_str!("../../themes/colorblind.toml")),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    base: Option<String>,
    #[serde(default)]
    colors: BTreeMap<String, String>,
}

/// Resolved styles the renderer uses. `None` colours mean "no colour" mode.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    colors: BTreeMap<String, Color>,
    pub no_color: bool,
    pub ascii: bool,
}

const SLOTS: &[&str] = &[
    "foreground",
    "background",
    "border",
    "border_focused",
    "title",
    "header_fg",
    "header_bg",
    "production_fg",
    "production_bg",
    "readonly_fg",
    "readonly_bg",
    "selected_fg",
    "selected_bg",
    "column_header",
    "ok",
    "warn",
    "crit",
    "dim",
    "accent",
];

pub fn parse_color(s: &str) -> Option<Color> {
    if let Some(hex) = s.strip_prefix('#') {
        if hex.len() == 6 {
            let v = u32::from_str_radix(hex, 16).ok()?;
            return Some(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
        }
        return None;
    }
    if let Ok(n) = s.parse::<u8>() {
        return Some(Color::Indexed(n));
    }
    s.parse::<Color>().ok()
}

impl Theme {
    /// `name` is a built-in or a path to a TOML file.
    pub fn load(name: &str, no_color: bool, ascii: bool) -> Result<Theme, ConfigError> {
        let mut colors = BTreeMap::new();
        let (label, text, path) = match BUILTIN.iter().find(|(n, _)| *n == name) {
            Some((n, t)) => (n.to_string(), t.to_string(), format!("themes/{n}.toml")),
            None => {
                let p = Path::new(name);
                let t = std::fs::read_to_string(p).map_err(|e| {
                    ConfigError::at(
                        p,
                        None,
                        format!(
                            "cannot read theme: {e} (built-in themes: {})",
                            BUILTIN
                                .iter()
                                .map(|(n, _)| *n)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                })?;
                (name.to_string(), t, name.to_string())
            }
        };
        let file: ThemeFile = super::file::parse_toml(Path::new(&path), &text)?;
        let base_name = file.base.clone().unwrap_or_else(|| "default".into());
        if base_name != label {
            let base = BUILTIN
                .iter()
                .find(|(n, _)| *n == base_name)
                .ok_or_else(|| {
                    ConfigError::at(
                        Path::new(&path),
                        None,
                        format!("unknown base theme {base_name:?}"),
                    )
                })?;
            let base_file: ThemeFile = super::file::parse_toml(Path::new(&base_name), base.1)?;
            apply(&mut colors, &base_file, &base_name)?;
        }
        apply(&mut colors, &file, &path)?;
        Ok(Theme {
            name: label,
            colors,
            no_color,
            ascii,
        })
    }

    fn color(&self, slot: &str) -> Option<Color> {
        if self.no_color {
            return None;
        }
        self.colors.get(slot).copied()
    }

    fn fg_bg(&self, fg: &str, bg: &str) -> Style {
        let mut s = Style::default();
        if let Some(c) = self.color(fg) {
            s = s.fg(c);
        }
        if let Some(c) = self.color(bg) {
            s = s.bg(c);
        }
        s
    }

    pub fn base(&self) -> Style {
        self.fg_bg("foreground", "background")
    }

    pub fn border(&self, focused: bool) -> Style {
        match (self.no_color, focused) {
            (true, true) => Style::default().add_modifier(Modifier::BOLD),
            (true, false) => Style::default(),
            (false, f) => self.fg_bg(if f { "border_focused" } else { "border" }, ""),
        }
    }

    pub fn title(&self, focused: bool) -> Style {
        let s = self.fg_bg("title", "");
        if focused {
            s.add_modifier(Modifier::BOLD | Modifier::REVERSED)
        } else {
            s.add_modifier(Modifier::BOLD)
        }
    }

    pub fn header(&self, production: bool) -> Style {
        let s = if production {
            self.fg_bg("production_fg", "production_bg")
                .add_modifier(Modifier::BOLD)
        } else {
            self.fg_bg("header_fg", "header_bg")
        };
        if self.no_color {
            s.add_modifier(Modifier::REVERSED)
        } else {
            s
        }
    }

    pub fn badge_readonly(&self) -> Style {
        let s = self
            .fg_bg("readonly_fg", "readonly_bg")
            .add_modifier(Modifier::BOLD);
        if self.no_color {
            s.add_modifier(Modifier::REVERSED)
        } else {
            s
        }
    }

    /// Selected rows are reverse + bold in every theme so colour is never the only cue.
    pub fn selected(&self) -> Style {
        self.fg_bg("selected_fg", "selected_bg").add_modifier(
            Modifier::BOLD
                | if self.no_color {
                    Modifier::REVERSED
                } else {
                    Modifier::empty()
                },
        )
    }

    pub fn column_header(&self) -> Style {
        self.fg_bg("column_header", "").add_modifier(Modifier::BOLD)
    }

    pub fn accent(&self) -> Style {
        self.fg_bg("accent", "")
    }

    pub fn level(&self, level: Level) -> Style {
        match level {
            Level::Normal => Style::default(),
            Level::Ok => self.fg_bg("ok", ""),
            Level::Warn => self.fg_bg("warn", "").add_modifier(Modifier::BOLD),
            Level::Crit => self.fg_bg("crit", "").add_modifier(Modifier::BOLD),
            Level::Dim => {
                if self.no_color {
                    Style::default().add_modifier(Modifier::DIM)
                } else {
                    self.fg_bg("dim", "")
                }
            }
        }
    }

    /// Every state carries a symbol as well as a colour.
    pub fn symbol(&self, level: Level) -> &'static str {
        match (level, self.ascii) {
            (Level::Ok, false) => "●",
            (Level::Warn, false) => "▲",
            (Level::Crit, false) => "✖",
            (Level::Ok, true) => "+",
            (Level::Warn, true) => "!",
            (Level::Crit, true) => "x",
            (Level::Normal | Level::Dim, _) => " ",
        }
    }
}

fn apply(
    into: &mut BTreeMap<String, Color>,
    file: &ThemeFile,
    path: &str,
) -> Result<(), ConfigError> {
    for (slot, value) in &file.colors {
        if !SLOTS.contains(&slot.as_str()) {
            return Err(ConfigError::at(
                Path::new(path),
                None,
                format!("unknown colour slot {slot:?} (known: {})", SLOTS.join(", ")),
            ));
        }
        let c = parse_color(value).ok_or_else(|| {
            ConfigError::at(
                Path::new(path),
                None,
                format!("{slot}: invalid colour {value:?}"),
            )
        })?;
        into.insert(slot.clone(), c);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_defines_every_slot() {
        for (name, _) in BUILTIN {
            let t = Theme::load(name, false, false).expect(name);
            for slot in SLOTS {
                assert!(t.colors.contains_key(*slot), "{name} lacks {slot}");
            }
        }
    }

    #[test]
    fn user_theme_overrides_a_subset() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("mine.toml");
        std::fs::write(&p, "base = \"light\"\n[colors]\ncrit = \"#ff00ff\"\n").expect("write");
        let t = Theme::load(p.to_str().expect("utf8"), false, false).expect("load");
        assert_eq!(t.color("crit"), Some(Color::Rgb(255, 0, 255)));
        assert_eq!(t.color("accent"), Some(Color::Blue), "inherited from light");
        std::fs::write(&p, "[colors]\ncrit = \"blurple\"\n").expect("write");
        let e = Theme::load(p.to_str().expect("utf8"), false, false).expect_err("bad colour");
        assert!(
            e.to_string().contains("crit: invalid colour \"blurple\""),
            "{e}"
        );
    }

    #[test]
    fn no_color_has_no_colour() {
        let t = Theme::load("default", true, false).expect("load");
        assert_eq!(t.level(Level::Crit).fg, None);
        assert!(t.selected().add_modifier.contains(Modifier::REVERSED));
    }
}
