//! The semantic palette every view draws with: styles named for what they mean (`selected`,
//! `conflict`, `read`, `write` …), never colour literals in widgets.
//!
//! Two variants (dark and light terminals) use the 16 ANSI colours, which follow the user's
//! terminal palette better than RGB. With `NO_COLOR` set every style keeps only modifiers (bold,
//! reverse, underline), so meaning never rests on colour alone: conflicts also carry the `‼`
//! mark and a `▓` bar pattern, the selection is reversed video. See [`symbols`].

use ratatui::style::{Color, Modifier, Style};

/// Which terminal background the palette is made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum ThemeName {
    #[default]
    Dark,
    Light,
}

/// Whether colours are used at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorMode {
    #[default]
    Color,
    /// `NO_COLOR` is set: modifiers only.
    Monochrome,
}

impl ColorMode {
    /// `NO_COLOR` set to any non-empty value turns colour off (https://no-color.org).
    pub fn from_env_value(value: Option<&std::ffi::OsStr>) -> Self {
        match value {
            Some(v) if !v.is_empty() => Self::Monochrome,
            _ => Self::Color,
        }
    }
}

/// Symbols that carry meaning next to (never instead of) colour.
pub mod symbols {
    /// A tool call's bar.
    pub const CALL_BAR: &str = "█";
    /// The bar of a call involved in a finding.
    pub const CONFLICT_BAR: &str = "▓";
    /// A model call's bar: the time the agent waited on the model.
    pub const MODEL_BAR: &str = "░";
    /// Marks a call, resource or batch involved in a finding.
    pub const CONFLICT: &str = "‼";
    /// Marks a latent (not observed) finding.
    pub const LATENT: &str = "!";
    /// The final answer.
    pub const ANSWER: &str = "◆";
    /// Selection cursor at the start of a row.
    pub const CURSOR: &str = "▶";
    /// A call emitted but never executed.
    pub const NOT_EXECUTED: &str = "∅";
    /// Errored call.
    pub const ERROR: &str = "✗";
    /// A trace receiving spans live.
    pub const LIVE: &str = "●";
}

/// Named styles. Build with [`Theme::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub base: Style,
    pub dim: Style,
    pub title: Style,
    pub border: Style,
    pub focused_border: Style,
    pub selected: Style,
    pub conflict: Style,
    pub latent: Style,
    pub read: Style,
    pub write: Style,
    pub call: Style,
    pub model: Style,
    pub answer: Style,
    pub error: Style,
    pub warn: Style,
    pub info: Style,
    pub matched: Style,
    pub status: Style,
    pub key: Style,
}

impl Default for Theme {
    fn default() -> Self {
        Self::new(ThemeName::Dark, ColorMode::Color)
    }
}

impl Theme {
    pub fn new(name: ThemeName, mode: ColorMode) -> Self {
        let theme = match name {
            ThemeName::Dark => {
                Self::palette(Color::Gray, Color::DarkGray, Color::Cyan, Color::Yellow)
            }
            ThemeName::Light => {
                Self::palette(Color::Black, Color::DarkGray, Color::Blue, Color::Magenta)
            }
        };
        match mode {
            ColorMode::Color => theme,
            ColorMode::Monochrome => theme.without_colours(),
        }
    }

    fn palette(fg: Color, dim: Color, accent: Color, highlight: Color) -> Self {
        let bold = Modifier::BOLD;
        Self {
            base: Style::new().fg(fg),
            dim: Style::new().fg(dim),
            title: Style::new().fg(accent).add_modifier(bold),
            border: Style::new().fg(dim),
            focused_border: Style::new().fg(accent).add_modifier(bold),
            selected: Style::new().add_modifier(Modifier::REVERSED | bold),
            conflict: Style::new().fg(Color::Red).add_modifier(bold),
            latent: Style::new().fg(highlight).add_modifier(bold),
            read: Style::new().fg(Color::Cyan),
            write: Style::new().fg(Color::Magenta).add_modifier(bold),
            call: Style::new().fg(Color::Green),
            model: Style::new().fg(Color::Blue),
            answer: Style::new().fg(Color::Green).add_modifier(bold),
            error: Style::new().fg(Color::Red),
            warn: Style::new().fg(highlight),
            info: Style::new().fg(accent),
            matched: Style::new()
                .fg(highlight)
                .add_modifier(Modifier::UNDERLINED),
            status: Style::new().fg(fg).add_modifier(Modifier::REVERSED),
            key: Style::new().fg(accent).add_modifier(bold),
        }
    }

    /// Keeps every modifier, drops every colour.
    fn without_colours(self) -> Self {
        let strip = |s: Style| Style {
            fg: None,
            bg: None,
            underline_color: None,
            ..s
        };
        Self {
            base: strip(self.base),
            dim: strip(self.dim),
            title: strip(self.title),
            border: strip(self.border),
            focused_border: strip(self.focused_border),
            selected: strip(self.selected),
            // Without colour the conflict must still stand out from ordinary text.
            conflict: strip(self.conflict).add_modifier(Modifier::UNDERLINED),
            latent: strip(self.latent),
            read: strip(self.read),
            write: strip(self.write),
            call: strip(self.call),
            model: strip(self.model),
            answer: strip(self.answer),
            error: strip(self.error).add_modifier(Modifier::BOLD),
            warn: strip(self.warn).add_modifier(Modifier::BOLD),
            info: strip(self.info),
            matched: strip(self.matched),
            status: strip(self.status),
            key: strip(self.key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_drops_colours_but_keeps_emphasis() {
        let t = Theme::new(ThemeName::Light, ColorMode::Monochrome);
        for s in [t.conflict, t.selected, t.write, t.error, t.status] {
            assert_eq!((s.fg, s.bg), (None, None));
        }
        assert!(t
            .conflict
            .add_modifier
            .contains(Modifier::BOLD | Modifier::UNDERLINED));
        assert!(t.selected.add_modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn no_color_is_read_from_a_non_empty_value_only() {
        use std::ffi::OsStr;
        assert_eq!(
            ColorMode::from_env_value(Some(OsStr::new("1"))),
            ColorMode::Monochrome
        );
        assert_eq!(
            ColorMode::from_env_value(Some(OsStr::new(""))),
            ColorMode::Color
        );
        assert_eq!(ColorMode::from_env_value(None), ColorMode::Color);
    }
}
