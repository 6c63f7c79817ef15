//! The why view: the backward path from the final answer (answer value → the call whose result
//! produced it → its batch → the finding and the sibling it collided with), with the batch on
//! the path drawn below it. `b` steps back along the path, and each step selects its place.
//!
//! ```text
//! ┌ why · step 2/4 ───────────────────────────────────────────┐
//! │  ◆ answer: "Your balance is now 125." (value 125)         │
//! │▶ ← call call_dep_b deposit produced 125                   │
//! │  ← batch b2 · 2 calls                                      │
//! │  ← ‼ lost update on account:acc-1001 … with call_dep_a    │
//! │ ─ batch b2 · … ─────────────────────────────────────────── │
//! │ (lanes, resources and findings of the batch)               │
//! └───────────────────────────────────────────────────────────┘
//! ```

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::analysis::WhyStep;

use super::super::app::TraceState;
use super::super::sanitize;
use super::super::theme::{symbols, Theme};
use super::batch::{batch_title, BatchBody};
use super::{inner, pane};

pub struct WhyView<'a> {
    pub trace: &'a TraceState,
    pub theme: &'a Theme,
    pub focused: bool,
}

impl WhyView<'_> {
    pub fn render(&self, frame: &mut Frame, area: Rect) {
        let t = self.trace;
        let th = self.theme;
        let steps = &t.model.analysis().why.steps;
        let pos = match t.why_step {
            Some(s) => format!(" · step {}/{}", s + 1, steps.len()),
            None => String::new(),
        };
        let title = Line::from(vec![
            Span::styled(format!(" why{pos}"), th.title),
            Span::styled(" (b: step back, Enter: show in timeline) ", th.dim),
        ]);
        frame.render_widget(pane(title, th, self.focused), area);
        let body = inner(area);
        if steps.is_empty() {
            let msg = "no why path: analysis did not trace any value of the final answer back to a tool result";
            frame.render_widget(
                Paragraph::new(msg).style(th.dim).wrap(Wrap { trim: true }),
                body,
            );
            return;
        }
        let path_rows = (steps.len() as u16).min(body.height / 2).max(1);
        let [path, rule, batch_area] = Layout::vertical([
            Constraint::Length(path_rows),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(body);
        let current = t.why_step.unwrap_or(0);
        let first = (current + 1).saturating_sub(usize::from(path_rows));
        for (i, step) in steps
            .iter()
            .enumerate()
            .skip(first)
            .take(usize::from(path_rows))
        {
            let y = path.y + (i - first) as u16;
            let (text, conflict) = self.describe(step);
            let style = if i == current {
                th.selected
            } else if conflict {
                th.conflict
            } else {
                th.base
            };
            let cursor = if i == current { symbols::CURSOR } else { " " };
            let arrow = if i == 0 { symbols::ANSWER } else { "←" };
            frame.render_widget(
                Line::from(vec![
                    Span::styled(cursor, style),
                    Span::styled(format!(" {arrow} {text}"), style),
                ]),
                Rect {
                    y,
                    height: 1,
                    ..path
                },
            );
        }
        if let Some(b) = t.batch.filter(|b| *b < t.model.run().batches.len()) {
            let mut title = batch_title(t, b, th);
            title.spans.insert(0, Span::styled("─", th.border));
            frame.render_widget(title, rule);
            BatchBody {
                trace: t,
                batch: b,
                theme: th,
            }
            .render(frame, batch_area);
        }
    }

    /// One step in words, and whether it names a conflict.
    fn describe(&self, step: &WhyStep) -> (String, bool) {
        let m = &self.trace.model;
        let run = m.run();
        let call_name = |c: usize| {
            run.tool_calls.get(c).map_or("?".to_owned(), |c| {
                format!(
                    "{} {}",
                    sanitize::short(&c.display_id(), 24),
                    sanitize::line(&c.name)
                )
            })
        };
        match step {
            WhyStep::Answer { text, value } => {
                let v = value.as_deref().map_or(String::new(), |v| {
                    format!(" (value {})", sanitize::short(v, 40))
                });
                (
                    format!("answer: \"{}\"{v}", sanitize::short(text, 80)),
                    false,
                )
            }
            WhyStep::Call { call, value } => {
                let v = value.as_deref().map_or(String::new(), |v| {
                    format!(" produced {}", sanitize::short(v, 40))
                });
                let mark = if m.is_conflict(*call) {
                    format!(" {}", symbols::CONFLICT)
                } else {
                    String::new()
                };
                (
                    format!("call {}{v}{mark}", call_name(*call)),
                    m.is_conflict(*call),
                )
            }
            WhyStep::Batch { batch } => {
                let b = run.batches.get(*batch);
                let text = b.map_or("batch ?".into(), |b| {
                    format!(
                        "batch {} · {} call{}",
                        sanitize::line(&b.id),
                        b.calls.len(),
                        crate::tui::views::plural(b.calls.len())
                    )
                });
                (
                    text,
                    m.batch_severity.get(*batch).copied().flatten().is_some(),
                )
            }
            WhyStep::Finding { finding, sibling } => {
                let f = m.analysis().findings.get(*finding);
                let what = f.map_or("finding ?".into(), |f| {
                    sanitize::line(&f.explanation).into_owned()
                });
                let with = sibling.map_or(String::new(), |s| {
                    format!(" — collided with {}", call_name(s))
                });
                (format!("{} {what}{with}", symbols::CONFLICT), true)
            }
        }
    }
}
