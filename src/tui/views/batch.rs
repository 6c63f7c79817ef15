//! The batch view: one batch large. Its swimlanes over the batch's own time span, the resource
//! matrix of its calls (R / W / RW, conflicts marked `‼`), and its findings in words. The why
//! view reuses [`BatchBody`] to show the batch on the path.
//!
//! ```text
//! ┌ batch b2 · model #2 · 2 calls · wall 150ms · sum 280ms · 1.87x · overlapped ┐
//! │▶deposit call_dep_a ‼ │▓▓▓▓▓▓▓▓▓▓▓ ‼deposit 140ms                           │
//! │ deposit call_dep_b ‼ │ ▓▓▓▓▓▓▓▓▓▓▓ ‼deposit 140ms                          │
//! │ resource            │ call_dep_a │ call_dep_b                              │
//! │ ‼ account:acc-1001  │ RW‼        │ RW‼                                     │
//! │ ‼ observed shared-state mutation: lost update on account:acc-1001 …         │
//! └────────────────────────────────────────────────────────────────────────────┘
//! ```

use crate::units;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::analysis::Severity;

use super::super::app::{TraceState, Window};
use super::super::sanitize;
use super::super::theme::{symbols, Theme};
use super::super::trace_model::{Item, Row};
use super::super::widgets::swimlane::Swimlane;
use super::resources::MatrixTable;
use super::timeline::{label_width, status_mark};
use super::{inner, pane};

pub struct BatchView<'a> {
    pub trace: &'a TraceState,
    pub theme: &'a Theme,
    pub focused: bool,
}

impl BatchView<'_> {
    pub fn render(&self, frame: &mut Frame, area: Rect) {
        let t = self.trace;
        let th = self.theme;
        let Some(b) = t.batch.filter(|b| *b < t.model.run().batches.len()) else {
            frame.render_widget(pane(" batch ", th, self.focused), area);
            frame.render_widget(
                Line::styled("this trace has no batches", th.dim),
                inner(area),
            );
            return;
        };
        frame.render_widget(pane(batch_title(t, b, th), th, self.focused), area);
        BatchBody {
            trace: t,
            batch: b,
            theme: th,
        }
        .render(frame, inner(area));
    }
}

/// ` batch b2 · model #2 · 2 calls · wall … · speedup · overlapped `
pub fn batch_title(t: &TraceState, b: usize, th: &Theme) -> Line<'static> {
    let run = t.model.run();
    let batch = &run.batches[b];
    let mut parts = vec![format!(" batch {}", sanitize::line(&batch.id))];
    if let Some(m) = batch.emitted_by {
        parts.push(format!("model #{}", m + 1));
    }
    parts.push(format!(
        "{} call{}",
        batch.calls.len(),
        crate::tui::views::plural(batch.calls.len())
    ));
    if let Some(l) = t
        .model
        .analysis()
        .latency
        .batches
        .iter()
        .find(|l| l.batch == b)
    {
        if let (Some(w), Some(s)) = (l.wall_nanos, l.sum_nanos) {
            parts.push(format!(
                "wall {} · sum {}",
                units::duration(w),
                units::duration(s)
            ));
        }
        if let Some(x) = l.speedup {
            parts.push(format!("{x:.2}x"));
        }
        if l.overlapped {
            parts.push("overlapped".into());
        }
    }
    let mut spans = vec![Span::styled(parts.join(" · "), th.title)];
    if let Some(sev) = t.model.batch_severity.get(b).copied().flatten() {
        let style = if sev == Severity::Observed {
            th.conflict
        } else {
            th.latent
        };
        spans.push(Span::styled(
            format!(" · {} {}", symbols::CONFLICT, sev.as_str()),
            style,
        ));
    }
    spans.push(Span::raw(" "));
    Line::from(spans)
}

/// Lanes, matrix and findings of one batch, drawn into an unbordered area.
pub struct BatchBody<'a> {
    pub trace: &'a TraceState,
    pub batch: usize,
    pub theme: &'a Theme,
}

impl BatchBody<'_> {
    pub fn render(&self, frame: &mut Frame, area: Rect) {
        let t = self.trace;
        let th = self.theme;
        let m = &t.model;
        let b = self.batch;
        let lanes = m.batch_lanes.get(b).cloned().unwrap_or_default();
        let findings: Vec<_> = m
            .analysis()
            .findings
            .iter()
            .filter(|f| f.batch == b)
            .collect();
        let matrix = m.batch_matrices.get(b);
        let matrix_rows = matrix.map_or(0, |x| x.rows.len() as u16);
        let lane_rows = lanes.len() as u16;
        let finding_rows = (findings.len() as u16) * 2;
        let [lanes_area, matrix_area, findings_area] = Layout::vertical([
            Constraint::Length(lane_rows),
            Constraint::Length(if matrix_rows > 0 { matrix_rows + 2 } else { 0 }),
            Constraint::Min(finding_rows.min(2)),
        ])
        .areas(area);

        let window = self.window();
        let lw = label_width(lanes_area.width).min(lanes_area.width);
        for (i, lane) in lanes
            .iter()
            .enumerate()
            .take(usize::from(lanes_area.height))
        {
            let y = lanes_area.y + i as u16;
            let shown = match t.selected {
                Item::Call(c) if lane.contains(&c) => c,
                _ => lane.first().copied().unwrap_or_default(),
            };
            let conflict = lane.iter().any(|c| m.is_conflict(*c));
            let call = m.run().tool_calls.get(shown);
            let mut label = format!(
                "{} {}",
                m.call_label.get(shown).map_or("", String::as_str),
                call.map_or(String::new(), |c| sanitize::short(&c.display_id(), 14))
            );
            if conflict {
                label.push_str(&format!(" {}", symbols::CONFLICT));
            }
            label.push_str(status_mark(m.run(), shown));
            let selected = t.selected == Item::Call(shown);
            let line = if selected {
                Line::from(vec![
                    Span::styled(symbols::CURSOR, th.selected),
                    Span::styled(label, th.selected),
                ])
            } else {
                Line::from(vec![
                    Span::raw(" "),
                    Span::styled(label, if conflict { th.conflict } else { th.base }),
                ])
            };
            frame.render_widget(
                line,
                Rect {
                    x: lanes_area.x,
                    y,
                    width: lw,
                    height: 1,
                },
            );
            let row = Row::Lane {
                batch: Some(b),
                lane: i,
                calls: lane.clone(),
            };
            let bars = Rect {
                x: lanes_area.x + lw + 1,
                y,
                width: lanes_area.width.saturating_sub(lw + 1),
                height: 1,
            };
            frame.render_widget(
                Swimlane {
                    model: m,
                    row: &row,
                    window,
                    selected: t.selected,
                    conflicts_only: false,
                    theme: th,
                },
                bars,
            );
        }

        if let Some(matrix) = matrix.filter(|x| !x.rows.is_empty()) {
            let inner_area = Rect {
                y: matrix_area.y + 1,
                height: matrix_area.height.saturating_sub(1),
                ..matrix_area
            };
            frame.render_widget(Line::styled("resources", th.title), matrix_area);
            MatrixTable {
                model: m,
                matrix,
                selected_row: None,
                selected_column: match t.selected {
                    Item::Call(c) => matrix.column_of(c),
                    _ => None,
                },
                theme: th,
            }
            .render(frame, inner_area);
        }

        let mut lines = Vec::new();
        if findings.is_empty() {
            let note = if lanes.len() > 1 {
                "no conflict found between these siblings"
            } else {
                "a single call: nothing ran beside it"
            };
            lines.push(Line::styled(note, th.dim));
        }
        for f in findings {
            let style = if f.severity == Severity::Observed {
                th.conflict
            } else {
                th.latent
            };
            lines.push(Line::styled(
                format!(
                    "{} {} {}: {}",
                    symbols::CONFLICT,
                    f.severity.as_str(),
                    f.kind.label(),
                    sanitize::line(&f.explanation)
                ),
                style,
            ));
        }
        frame.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: false }),
            findings_area,
        );
    }

    /// The batch's own extent, with a little air on both sides.
    fn window(&self) -> Window {
        let m = &self.trace.model;
        match m.batch_span.get(self.batch).copied().flatten() {
            Some(s) => {
                let len = (s.end - s.start).max(1);
                let pad = (len / 20).max(1);
                Window {
                    start: s.start.saturating_sub(pad),
                    span: len + 2 * pad,
                }
            }
            None => Window {
                start: 0,
                span: m.axis.length,
            },
        }
    }
}
