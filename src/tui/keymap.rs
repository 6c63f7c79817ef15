//! Keys to actions, nothing more. The default bindings are `assets/keymap.toml`, embedded; a
//! user file with the same shape overrides only the keys it names. A bad entry in the user file
//! is reported (file and key) and skipped, never fatal.
//!
//! While a text prompt is open, keys go to the prompt instead of the keymap: that is the only
//! state the key handler looks at.

use std::collections::HashMap;
use std::path::Path;

use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use serde::de::IntoDeserializer;
use serde::Deserialize;

use super::action::{Action, InputKey};
use super::app::{App, HelpLine};

const DEFAULT: &str = include_str!("../../assets/keymap.toml");

/// Every bindable action, in the order the help screen lists them.
pub const BINDABLE: &[&str] = &[
    "move_down",
    "move_up",
    "move_left",
    "move_right",
    "page_down",
    "page_up",
    "first",
    "last",
    "open",
    "back",
    "next_pane",
    "toggle_inspector",
    "show_timeline",
    "show_batch",
    "show_resources",
    "show_why",
    "toggle_scope",
    "prev_batch",
    "next_batch",
    "prev_finding",
    "next_finding",
    "toggle_conflicts_only",
    "jump_to_answer",
    "step_back",
    "step_forward",
    "zoom_in",
    "zoom_out",
    "zoom_reset",
    "pan_left",
    "pan_right",
    "search",
    "next_match",
    "prev_match",
    "cycle_sort",
    "cycle_finding_filter",
    "export",
    "reload",
    "toggle_follow",
    "help",
    "quit",
    "mark",
    "diff",
    "copy",
    "page",
    "pull",
];

/// A key with its modifiers (shift is part of the character, not a modifier).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl Key {
    fn from_event(e: KeyEvent) -> Self {
        let mut modifiers = e.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        let code = match e.code {
            // Terminals differ on whether shift+tab is BackTab or Tab+SHIFT.
            KeyCode::Tab if e.modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            KeyCode::Char(c) if modifiers.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            c => c,
        };
        if matches!(code, KeyCode::Char(_)) && modifiers.is_empty() {
            modifiers = KeyModifiers::NONE;
        }
        Self { code, modifiers }
    }

    /// Parses `ctrl-c`, `G`, `enter`, `pagedown`, `f5`, …
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = s;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                modifiers |= KeyModifiers::CONTROL;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                modifiers |= KeyModifiers::ALT;
                rest = r;
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(c),
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" => KeyCode::Tab,
                "backtab" | "shift-tab" => KeyCode::BackTab,
                "backspace" => KeyCode::Backspace,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "pageup" => KeyCode::PageUp,
                "pagedown" => KeyCode::PageDown,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "space" => KeyCode::Char(' '),
                other => match other.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
                    Some(n) if (1..=12).contains(&n) => KeyCode::F(n),
                    _ => return Err(format!("unknown key \"{s}\"")),
                },
            },
        };
        Ok(Self { code, modifiers })
    }

    fn display(self) -> String {
        let mut out = String::new();
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            out.push_str("ctrl-");
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            out.push_str("alt-");
        }
        match self.code {
            KeyCode::Char(' ') => out.push_str("space"),
            KeyCode::Char(c) => out.push(c),
            KeyCode::F(n) => out.push_str(&format!("f{n}")),
            KeyCode::BackTab => out.push_str("shift-tab"),
            KeyCode::PageUp => out.push_str("pgup"),
            KeyCode::PageDown => out.push_str("pgdn"),
            c => out.push_str(&format!("{c:?}").to_lowercase()),
        }
        out
    }
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    keys: HashMap<String, String>,
}

fn action_named(name: &str) -> Option<Action> {
    let de: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
        name.into_deserializer();
    Action::deserialize(de).ok()
}

/// The bindings in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: HashMap<Key, String>,
}

impl Keymap {
    /// The embedded defaults.
    pub fn defaults() -> Self {
        let mut map = Self {
            bindings: HashMap::new(),
        };
        // The embedded file is checked by a test; a problem here would be a build defect.
        let _ = map.apply(DEFAULT);
        map
    }

    /// Defaults plus the user's file; problems in the file come back as messages.
    pub fn load(user: Option<&Path>) -> (Self, Vec<String>) {
        let mut map = Self::defaults();
        let Some(path) = user else {
            return (map, vec![]);
        };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let problems = map.apply(&text);
                let shown = path.display();
                (
                    map,
                    problems
                        .into_iter()
                        .map(|p| format!("{shown}: {p}"))
                        .collect(),
                )
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (map, vec![]),
            Err(e) => (map, vec![format!("{}: cannot read: {e}", path.display())]),
        }
    }

    /// Applies a keymap text over the current bindings; returns what was wrong in it.
    pub fn apply(&mut self, text: &str) -> Vec<String> {
        let file: File = match toml::from_str(text) {
            Ok(f) => f,
            Err(e) => return vec![format!("not a keymap: {}", e.message())],
        };
        let mut problems = Vec::new();
        let mut entries: Vec<_> = file.keys.into_iter().collect();
        entries.sort();
        for (key, action) in entries {
            let parsed = match Key::parse(&key) {
                Ok(k) => k,
                Err(e) => {
                    problems.push(format!("[keys] {e}"));
                    continue;
                }
            };
            if action == "none" {
                self.bindings.remove(&parsed);
            } else if BINDABLE.contains(&action.as_str()) && action_named(&action).is_some() {
                self.bindings.insert(parsed, action);
            } else {
                problems.push(format!("[keys] \"{key}\": unknown action \"{action}\""));
            }
        }
        problems
    }

    /// The action for a key press, if bound.
    pub fn action(&self, key: KeyEvent) -> Option<Action> {
        action_named(self.bindings.get(&Key::from_event(key))?)
    }

    /// One help line per bound action, in [`BINDABLE`] order.
    pub fn help_lines(&self) -> Vec<HelpLine> {
        BINDABLE
            .iter()
            .filter_map(|name| {
                let mut keys: Vec<String> = self
                    .bindings
                    .iter()
                    .filter(|(_, a)| a == name)
                    .map(|(k, _)| k.display())
                    .collect();
                if keys.is_empty() {
                    return None;
                }
                keys.sort_by_key(|k| (k.chars().count(), k.clone()));
                let description = action_named(name)?.describe()?.to_owned();
                Some(HelpLine {
                    action: name,
                    keys: keys.join(" "),
                    description,
                })
            })
            .collect()
    }
}

/// Where a user keymap is looked for when none is given: `<config dir>/fanout/keymap.toml`
/// (e.g. `~/.config/fanout/keymap.toml` on Linux).
pub fn default_path() -> Option<std::path::PathBuf> {
    directories::ProjectDirs::from("", "", "fanout").map(|d| d.config_dir().join("keymap.toml"))
}

/// What a terminal key press means right now.
pub fn key_action(app: &App, keymap: &Keymap, key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if app.prompt.is_some() {
        return match key.code {
            KeyCode::Char(c) if key.modifiers.contains(KeyModifiers::CONTROL) => match c {
                'c' => Some(Action::Input(InputKey::Cancel)),
                'a' => Some(Action::Input(InputKey::Home)),
                'e' => Some(Action::Input(InputKey::End)),
                'u' => Some(Action::Input(InputKey::KillToStart)),
                'w' => Some(Action::Input(InputKey::KillWord)),
                'b' => Some(Action::Input(InputKey::Left)),
                'f' => Some(Action::Input(InputKey::Right)),
                _ => None,
            },
            KeyCode::Char(c) => Some(Action::Input(InputKey::Char(c))),
            KeyCode::Left => Some(Action::Input(InputKey::Left)),
            KeyCode::Right => Some(Action::Input(InputKey::Right)),
            KeyCode::Home => Some(Action::Input(InputKey::Home)),
            KeyCode::End => Some(Action::Input(InputKey::End)),
            KeyCode::Backspace => Some(Action::Input(InputKey::Backspace)),
            KeyCode::Enter => Some(Action::Input(InputKey::Submit)),
            KeyCode::Esc => Some(Action::Input(InputKey::Cancel)),
            _ => None,
        };
    }
    keymap.action(key)
}

/// Clicks select, the wheel scrolls.
pub fn mouse_action(m: MouseEvent) -> Option<Action> {
    let (column, row) = (m.column, m.row);
    match m.kind {
        MouseEventKind::Down(MouseButton::Left) => Some(Action::Click { column, row }),
        MouseEventKind::ScrollDown => Some(Action::ScrollDown { column, row }),
        MouseEventKind::ScrollUp => Some(Action::ScrollUp { column, row }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn embedded_keymap_is_valid_and_every_action_is_described() {
        let mut map = Keymap {
            bindings: HashMap::new(),
        };
        assert_eq!(map.apply(DEFAULT), Vec::<String>::new());
        for name in BINDABLE {
            let action = action_named(name).unwrap_or_else(|| panic!("{name} is not an action"));
            assert!(action.describe().is_some(), "{name} has no description");
            assert!(
                map.bindings.values().any(|a| a == name),
                "{name} has no default key"
            );
        }
    }

    #[test]
    fn issue_keys_map_to_their_actions() {
        let map = Keymap::defaults();
        let name = |k: KeyEvent| map.bindings.get(&Key::from_event(k)).cloned();
        assert_eq!(
            name(press(KeyCode::Char('j'), KeyModifiers::NONE)).as_deref(),
            Some("move_down")
        );
        assert_eq!(
            name(press(KeyCode::Char('N'), KeyModifiers::SHIFT)).as_deref(),
            Some("prev_match")
        );
        assert_eq!(
            name(press(KeyCode::Char('}'), KeyModifiers::SHIFT)).as_deref(),
            Some("next_finding")
        );
        assert_eq!(
            name(press(KeyCode::Char('c'), KeyModifiers::CONTROL)).as_deref(),
            Some("quit")
        );
        assert_eq!(
            name(press(KeyCode::Tab, KeyModifiers::SHIFT)).as_deref(),
            Some("next_pane")
        );
        assert_eq!(
            name(press(KeyCode::Char('b'), KeyModifiers::NONE)).as_deref(),
            Some("step_back")
        );
    }

    #[test]
    fn user_file_overrides_only_what_it_names_and_reports_mistakes() {
        let mut map = Keymap::defaults();
        let problems = map.apply("[keys]\nx = \"quit\"\nq = \"none\"\n\"ctrl-zz\" = \"quit\"\ny = \"fly\"\nz = \"trace_loaded\"\n");
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("ctrl-zz")));
        assert!(problems.iter().any(|p| p.contains("\"fly\"")));
        assert!(matches!(
            map.action(press(KeyCode::Char('x'), KeyModifiers::NONE)),
            Some(Action::Quit)
        ));
        assert!(map
            .action(press(KeyCode::Char('q'), KeyModifiers::NONE))
            .is_none());
        assert!(matches!(
            map.action(press(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Action::MoveDown)
        ));
    }

    #[test]
    fn a_missing_user_file_is_not_an_error() {
        let (_, problems) = Keymap::load(Some(Path::new("/nonexistent/fanout/keymap.toml")));
        assert!(problems.is_empty());
    }

    #[test]
    fn help_lists_keys_per_action() {
        let lines = Keymap::defaults().help_lines();
        let down = lines.iter().find(|l| l.description == "move down").unwrap();
        assert_eq!(down.keys, "j down");
        assert_eq!(lines.len(), BINDABLE.len());
    }
}
