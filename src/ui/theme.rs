//! Themes: plain TOML files. A user theme overrides any subset of a built-in one.
//! `--no-color` / `NO_COLOR` give a theme with no colour at all, where emphasis is
//! bold and reverse.

use std::collections::BTreeMap;
use std::path::Path;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use crate::config::ConfigError;
use crate::view::table::Level;

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

/// The colour slots a theme file may set, typed so the renderer cannot ask for one
/// that does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Foreground,
    Background,
    Border,
    BorderFocused,
    Title,
    HeaderFg,
    HeaderBg,
    ProductionFg,
    ProductionBg,
    ReadonlyFg,
    ReadonlyBg,
    SelectedFg,
    SelectedBg,
    ColumnHeader,
    Ok,
    Warn,
    Crit,
    Dim,
    Accent,
}

impl Slot {
    pub const ALL: [Slot; 19] = [
        Slot::Foreground,
        Slot::Background,
        Slot::Border,
        Slot::BorderFocused,
        Slot::Title,
        Slot::HeaderFg,
        Slot::HeaderBg,
        Slot::ProductionFg,
        Slot::ProductionBg,
        Slot::ReadonlyFg,
        Slot::ReadonlyBg,
        Slot::SelectedFg,
        Slot::SelectedBg,
        Slot::ColumnHeader,
        Slot::Ok,
        Slot::Warn,
        Slot::Crit,
        Slot::Dim,
        Slot::Accent,
    ];

    /// Its key in a theme file's `[colors]`.
    pub fn name(self) -> &'static str {
        match self {
            Slot::Foreground => "foreground",
            Slot::Background => "background",
            Slot::Border => "border",
            Slot::BorderFocused => "border_focused",
            Slot::Title => "title",
            Slot::HeaderFg => "header_fg",
            Slot::HeaderBg => "header_bg",
            Slot::ProductionFg => "production_fg",
            Slot::ProductionBg => "production_bg",
            Slot::ReadonlyFg => "readonly_fg",
            Slot::ReadonlyBg => "readonly_bg",
            Slot::SelectedFg => "selected_fg",
            Slot::SelectedBg => "selected_bg",
            Slot::ColumnHeader => "column_header",
            Slot::Ok => "ok",
            Slot::Warn => "warn",
            Slot::Crit => "crit",
            Slot::Dim => "dim",
            Slot::Accent => "accent",
        }
    }

    pub fn from_name(name: &str) -> Option<Slot> {
        Slot::ALL.into_iter().find(|s| s.name() == name)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Resolved styles the renderer uses. `None` colours mean "no colour" mode.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    palette: [Option<Color>; Slot::ALL.len()],
    pub no_color: bool,
    pub ascii: bool,
}

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
        let mut palette = [None; Slot::ALL.len()];
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
        let file: ThemeFile = crate::config::file::parse_toml(Path::new(&path), &text)?;
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
            let base_file: ThemeFile =
                crate::config::file::parse_toml(Path::new(&base_name), base.1)?;
            apply(&mut palette, &base_file, &base_name)?;
        }
        apply(&mut palette, &file, &path)?;
        Ok(Theme {
            name: label,
            palette,
            no_color,
            ascii,
        })
    }

    /// The built-in default theme; a theme with no colour should that ever fail to
    /// load (a test checks every built-in loads).
    pub fn builtin_default(no_color: bool, ascii: bool) -> Theme {
        Theme::load("default", no_color, ascii).unwrap_or(Theme {
            name: "default".into(),
            palette: [None; Slot::ALL.len()],
            no_color: true,
            ascii,
        })
    }

    fn color(&self, slot: Slot) -> Option<Color> {
        if self.no_color {
            return None;
        }
        self.palette[slot.index()]
    }

    fn fg(&self, fg: Slot) -> Style {
        match self.color(fg) {
            Some(c) => Style::default().fg(c),
            None => Style::default(),
        }
    }

    fn fg_bg(&self, fg: Slot, bg: Slot) -> Style {
        match self.color(bg) {
            Some(c) => self.fg(fg).bg(c),
            None => self.fg(fg),
        }
    }

    pub fn base(&self) -> Style {
        self.fg_bg(Slot::Foreground, Slot::Background)
    }

    pub fn border(&self, focused: bool) -> Style {
        match (self.no_color, focused) {
            (true, true) => Style::default().add_modifier(Modifier::BOLD),
            (true, false) => Style::default(),
            (false, f) => self.fg(if f { Slot::BorderFocused } else { Slot::Border }),
        }
    }

    pub fn title(&self, focused: bool) -> Style {
        let s = self.fg(Slot::Title);
        if focused {
            s.add_modifier(Modifier::BOLD | Modifier::REVERSED)
        } else {
            s.add_modifier(Modifier::BOLD)
        }
    }

    pub fn header(&self, production: bool) -> Style {
        let s = if production {
            self.fg_bg(Slot::ProductionFg, Slot::ProductionBg)
                .add_modifier(Modifier::BOLD)
        } else {
            self.fg_bg(Slot::HeaderFg, Slot::HeaderBg)
        };
        if self.no_color {
            s.add_modifier(Modifier::REVERSED)
        } else {
            s
        }
    }

    pub fn badge_readonly(&self) -> Style {
        let s = self
            .fg_bg(Slot::ReadonlyFg, Slot::ReadonlyBg)
            .add_modifier(Modifier::BOLD);
        if self.no_color {
            s.add_modifier(Modifier::REVERSED)
        } else {
            s
        }
    }

    /// Selected rows are reverse + bold in every theme so colour is never the only cue.
    pub fn selected(&self) -> Style {
        self.fg_bg(Slot::SelectedFg, Slot::SelectedBg).add_modifier(
            Modifier::BOLD
                | if self.no_color {
                    Modifier::REVERSED
                } else {
                    Modifier::empty()
                },
        )
    }

    pub fn column_header(&self) -> Style {
        self.fg(Slot::ColumnHeader).add_modifier(Modifier::BOLD)
    }

    pub fn accent(&self) -> Style {
        self.fg(Slot::Accent)
    }

    pub fn level(&self, level: Level) -> Style {
        match level {
            Level::Normal => Style::default(),
            Level::Ok => self.fg(Slot::Ok),
            Level::Warn => self.fg(Slot::Warn).add_modifier(Modifier::BOLD),
            Level::Crit => self.fg(Slot::Crit).add_modifier(Modifier::BOLD),
            Level::Dim => {
                if self.no_color {
                    Style::default().add_modifier(Modifier::DIM)
                } else {
                    self.fg(Slot::Dim)
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
    into: &mut [Option<Color>; Slot::ALL.len()],
    file: &ThemeFile,
    path: &str,
) -> Result<(), ConfigError> {
    for (name, value) in &file.colors {
        let slot = Slot::from_name(name).ok_or_else(|| {
            let known: Vec<&str> = Slot::ALL.iter().map(|s| s.name()).collect();
            ConfigError::at(
                Path::new(path),
                None,
                format!("unknown colour slot {name:?} (known: {})", known.join(", ")),
            )
        })?;
        let c = parse_color(value).ok_or_else(|| {
            ConfigError::at(
                Path::new(path),
                None,
                format!("{name}: invalid colour {value:?}"),
            )
        })?;
        into[slot.index()] = Some(c);
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
            for slot in Slot::ALL {
                assert!(t.color(slot).is_some(), "{name} lacks {}", slot.name());
            }
        }
    }

    #[test]
    fn user_theme_overrides_a_subset() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("mine.toml");
        std::fs::write(&p, "base = \"light\"\n[colors]\ncrit = \"#ff00ff\"\n").expect("write");
        let t = Theme::load(p.to_str().expect("utf8"), false, false).expect("load");
        assert_eq!(t.color(Slot::Crit), Some(Color::Rgb(255, 0, 255)));
        assert_eq!(
            t.color(Slot::Accent),
            Some(Color::Blue),
            "inherited from light"
        );
        std::fs::write(&p, "[colors]\ncrit = \"blurple\"\n").expect("write");
        let e = Theme::load(p.to_str().expect("utf8"), false, false).expect_err("bad colour");
        assert!(
            e.to_string().contains("crit: invalid colour \"blurple\""),
            "{e}"
        );
    }

    #[test]
    fn slot_names_round_trip_in_declaration_order() {
        for (i, slot) in Slot::ALL.into_iter().enumerate() {
            assert_eq!(slot.index(), i);
            assert_eq!(Slot::from_name(slot.name()), Some(slot));
        }
    }

    #[test]
    fn no_color_has_no_colour() {
        let t = Theme::load("default", true, false).expect("load");
        assert_eq!(t.level(Level::Crit).fg, None);
        assert!(t.selected().add_modifier.contains(Modifier::REVERSED));
    }
}
