//! The help overlay: every key binding and what it does, generated from the keymap in force
//! (defaults plus the user's overrides), so it can never drift from the real bindings.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use super::super::app::HelpLine;
use super::super::theme::{symbols, Theme};
use super::pane;

pub struct HelpView<'a> {
    pub lines: &'a [HelpLine],
    pub scroll: usize,
    pub theme: &'a Theme,
}

impl HelpView<'_> {
    pub fn render(&self, frame: &mut Frame, area: Rect) {
        let th = self.theme;
        let [_, middle, _] = Layout::horizontal([
            Constraint::Fill(1),
            Constraint::Max(72),
            Constraint::Fill(1),
        ])
        .areas(area);
        let key_w = self
            .lines
            .iter()
            .map(|l| l.keys.chars().count())
            .max()
            .unwrap_or(0)
            .min(22);
        let mut lines: Vec<Line> = self
            .lines
            .iter()
            .skip(self.scroll)
            .map(|l| {
                Line::from(vec![
                    Span::styled(format!(" {:<key_w$}  ", l.keys), th.key),
                    Span::styled(l.description.as_str(), th.base),
                ])
            })
            .collect();
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!(
                " marks: {} finding  {} call in a finding  {} call  {} model call  {} answer",
                symbols::CONFLICT,
                symbols::CONFLICT_BAR,
                symbols::CALL_BAR,
                symbols::MODEL_BAR,
                symbols::ANSWER
            ),
            th.dim,
        ));
        let block = pane(
            Line::styled(" help · ? or Esc to close ", th.title),
            th,
            true,
        );
        frame.render_widget(Clear, middle);
        frame.render_widget(Paragraph::new(lines).block(block), middle);
    }
}
