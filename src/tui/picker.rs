//! A full-screen list to choose one line from (`fanout sessions` uses it: Enter opens the
//! session). State, update and render are separate like the viewer's: render is a pure function
//! of [`Picker`], tested with ratatui's TestBackend; [`run`] owns the terminal while it shows.

use std::time::Duration;

use anyhow::Context as _;
use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, List, ListItem, ListState, Paragraph};
use ratatui::Frame;

/// What a key does in the picker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Up,
    Down,
    PageUp,
    PageDown,
    First,
    Last,
    Choose,
    Quit,
}

/// How the picker ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Chosen(usize),
    Quit,
}

/// The list, its column header and the selected line. Lines are sanitized on the way in.
#[derive(Debug, Clone)]
pub struct Picker {
    title: String,
    header: String,
    lines: Vec<String>,
    selected: usize,
    /// Lines that fit on a page, from the last render's height (for PageUp/PageDown).
    page: usize,
}

impl Picker {
    pub fn new(title: &str, header: &str, lines: Vec<String>) -> Self {
        Self {
            title: super::sanitize::line(title).into_owned(),
            // One column for the selection mark, so the header lines up with the rows.
            header: format!(" {}", super::sanitize::line(header)),
            lines: lines
                .iter()
                .map(|l| super::sanitize::line(l).into_owned())
                .collect(),
            selected: 0,
            page: 10,
        }
    }

    #[cfg(test)]
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// Applies one move; `Some` when the picker is done.
    pub fn update(&mut self, m: Move) -> Option<Outcome> {
        let last = self.lines.len().saturating_sub(1);
        match m {
            Move::Up => self.selected = self.selected.saturating_sub(1),
            Move::Down => self.selected = (self.selected + 1).min(last),
            Move::PageUp => self.selected = self.selected.saturating_sub(self.page),
            Move::PageDown => self.selected = (self.selected + self.page).min(last),
            Move::First => self.selected = 0,
            Move::Last => self.selected = last,
            Move::Choose if !self.lines.is_empty() => return Some(Outcome::Chosen(self.selected)),
            Move::Choose => {}
            Move::Quit => return Some(Outcome::Quit),
        }
        None
    }

    /// Draws the list filling the frame: title, header, lines, key hints.
    pub fn render(&self, frame: &mut Frame) {
        let [body, hints] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(frame.area());
        let block = Block::default().borders(Borders::ALL).title(format!(
            " {} · {} ",
            self.title,
            self.lines.len()
        ));
        let inner = block.inner(body);
        frame.render_widget(block, body);
        let [head, list] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
        frame.render_widget(
            Paragraph::new(self.header.as_str()).style(Style::new().add_modifier(Modifier::BOLD)),
            head,
        );
        let items: Vec<ListItem> = self
            .lines
            .iter()
            .map(|l| ListItem::new(Line::raw(l.as_str())))
            .collect();
        let mut state = ListState::default().with_selected(Some(self.selected));
        frame.render_stateful_widget(
            List::new(items)
                .highlight_style(Style::new().add_modifier(Modifier::REVERSED))
                .highlight_symbol("▶"),
            list,
            &mut state,
        );
        frame.render_widget(
            Paragraph::new(" Enter open · ↑/↓ j/k move · g/G first/last · q quit"),
            hints,
        );
    }

    fn remember_page(&mut self, height: u16) {
        self.page = usize::from(height.saturating_sub(4)).max(1);
    }
}

/// The move a key means, if any.
pub fn key_move(key: KeyEvent) -> Option<Move> {
    if key.kind != KeyEventKind::Press {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    Some(match key.code {
        KeyCode::Char('c') if ctrl => Move::Quit,
        KeyCode::Up | KeyCode::Char('k') => Move::Up,
        KeyCode::Down | KeyCode::Char('j') => Move::Down,
        KeyCode::PageUp => Move::PageUp,
        KeyCode::PageDown | KeyCode::Char(' ') => Move::PageDown,
        KeyCode::Home | KeyCode::Char('g') => Move::First,
        KeyCode::End | KeyCode::Char('G') => Move::Last,
        KeyCode::Enter => Move::Choose,
        KeyCode::Esc | KeyCode::Char('q') => Move::Quit,
        _ => return None,
    })
}

/// Shows the picker on the terminal until a line is chosen or the user quits; the terminal is
/// restored before it returns, so the caller can open the viewer next.
pub fn run(mut picker: Picker) -> anyhow::Result<Outcome> {
    let mut terminal = ratatui::try_init().context("cannot set up the terminal")?;
    let result = (|| -> anyhow::Result<Outcome> {
        loop {
            terminal.draw(|f| picker.render(f))?;
            picker.remember_page(terminal.size()?.height);
            if !event::poll(Duration::from_millis(250))? {
                continue;
            }
            if let Event::Key(key) = event::read()? {
                if let Some(done) = key_move(key).and_then(|m| picker.update(m)) {
                    return Ok(done);
                }
            }
        }
    })();
    ratatui::restore();
    result
}

#[cfg(test)]
mod tests {
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    use super::*;

    fn picker() -> Picker {
        Picker::new(
            "coding-agent sessions",
            "  #  AGENT",
            vec![
                "  1  claude-code".into(),
                "  2  codex\u{1b}[31m".into(),
                "  3  gemini".into(),
            ],
        )
    }

    fn screen(p: &Picker) -> String {
        let mut t = Terminal::new(TestBackend::new(50, 8)).unwrap();
        t.draw(|f| p.render(f)).unwrap();
        let buf = t.backend().buffer();
        (0..buf.area.height)
            .map(|y| {
                let row: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
                row.trim_end().to_owned() + "\n"
            })
            .collect()
    }

    #[test]
    fn moves_stay_in_the_list_and_enter_chooses_the_selected_line() {
        let mut p = picker();
        assert_eq!(p.update(Move::Up), None);
        assert_eq!(p.selected(), 0);
        p.update(Move::Last);
        p.update(Move::Down);
        assert_eq!(p.selected(), 2);
        p.update(Move::Up);
        assert_eq!(p.update(Move::Choose), Some(Outcome::Chosen(1)));
        assert_eq!(p.update(Move::Quit), Some(Outcome::Quit));
    }

    #[test]
    fn an_empty_list_chooses_nothing() {
        let mut p = Picker::new("t", "h", Vec::new());
        assert_eq!(p.update(Move::Choose), None);
        assert_eq!(p.update(Move::Down), None);
        assert_eq!(p.selected(), 0);
    }

    #[test]
    fn the_selected_line_is_marked_and_escapes_are_stripped() {
        let mut p = picker();
        p.update(Move::Down);
        let s = screen(&p);
        assert!(s.contains("coding-agent sessions · 3"), "{s}");
        assert!(s.contains("▶  2  codex"), "{s}");
        assert!(!s.contains('\u{1b}'), "{s}");
        assert!(s.contains("Enter open"), "{s}");
    }

    #[test]
    fn keys_map_to_moves() {
        let key = |c| KeyEvent::new(c, KeyModifiers::NONE);
        assert_eq!(key_move(key(KeyCode::Enter)), Some(Move::Choose));
        assert_eq!(key_move(key(KeyCode::Char('j'))), Some(Move::Down));
        assert_eq!(key_move(key(KeyCode::Esc)), Some(Move::Quit));
        assert_eq!(key_move(key(KeyCode::Char('x'))), None);
        assert_eq!(
            key_move(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Move::Quit)
        );
    }
}
