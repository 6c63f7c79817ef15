//! The trace timeline: the whole run on one time axis. Model calls, then each batch as a header
//! and one swimlane per concurrent sibling, the answer last. Only the rows in the scroll window
//! are drawn, so a 100,000-span trace costs what fits on screen.
//!
//! ```text
//! ┌ timeline · 0ms–2.90s ──────────────────────────────────────────┐
//! │ labels              │╵0ms          ╵400ms        ╵800ms          │ scale
//! │▶model #1 gpt-4o     │░░░░░░ gpt-4o 800ms                         │
//! │ ▾ b2 · 2 calls ‼    │        ├──┤                                │
//! │   ├ deposit ‼       │        ▓▓ ‼deposit 140ms                   │
//! └────────────────────────────────────────────────────────────────┘
//! ```

use crate::units;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::super::app::{TraceState, Window};
use super::super::sanitize;
use super::super::theme::{symbols, Theme};
use super::super::trace_model::{AxisUnit, Interval, Item, Row};
use super::super::widgets::swimlane::{Scale, Swimlane, TimeScale};
use super::{inner, pane};

/// Width of the label column for a pane of `width` cells.
pub fn label_width(width: u16) -> u16 {
    (width / 3).clamp(8, 28)
}

/// The rows area (inside the border, under the scale line).
pub fn lanes_area(main: Rect) -> Rect {
    let i = inner(main);
    Rect {
        y: i.y.saturating_add(1),
        height: i.height.saturating_sub(1),
        ..i
    }
}

/// The bars part of a rows area (right of the labels).
pub fn bars_area(lanes: Rect) -> Rect {
    let lw = label_width(lanes.width).min(lanes.width);
    Rect {
        x: lanes.x + lw,
        width: lanes.width - lw,
        ..lanes
    }
}

/// The axis position under terminal column `column`, when it is over the bars.
pub fn axis_at(lanes: Rect, window: Window, column: u16) -> Option<u64> {
    let bars = bars_area(lanes);
    (column >= bars.x && column < bars.right())
        .then(|| Scale { area: bars, window }.position(column - bars.x))
}

pub struct TimelineView<'a> {
    pub trace: &'a TraceState,
    pub theme: &'a Theme,
    pub focused: bool,
}

impl TimelineView<'_> {
    pub fn render(&self, frame: &mut Frame, area: Rect) {
        let t = self.trace;
        let th = self.theme;
        let axis = t.model.axis;
        let w = t.window;
        let range = match axis.unit {
            AxisUnit::Nanos => format!(
                " {}–{}",
                units::duration(w.start),
                units::duration(w.start + w.span)
            ),
            AxisUnit::Steps => " no timing: recorded order, one step per call".into(),
        };
        let zoom = axis.length as f64 / w.span.max(1) as f64;
        let mut title = vec![
            Span::styled(" timeline", th.title),
            Span::styled(range, th.base),
        ];
        if zoom > 1.01 {
            title.push(Span::styled(format!(" · zoom {zoom:.1}x"), th.base));
        }
        if t.conflicts_only {
            title.push(Span::styled(
                format!(" · {} findings only", symbols::CONFLICT),
                th.conflict,
            ));
        }
        let lanes = lanes_area(area);
        // Where the visible rows sit when the run has more than fit.
        let total = t.visible_len();
        let shown = usize::from(lanes.height);
        if total > shown {
            let first = t.scroll.min(total.saturating_sub(1)) + 1;
            let last = (t.scroll + shown).min(total);
            title.push(Span::styled(
                format!(" · rows {first}–{last} of {total}"),
                th.base,
            ));
        }
        title.push(Span::raw(" "));
        frame.render_widget(pane(Line::from(title), th, self.focused), area);

        let bars = bars_area(lanes);
        let scale_line = Rect {
            y: lanes.y.saturating_sub(1),
            height: 1,
            ..bars
        };
        if lanes.y > area.y {
            frame.render_widget(
                TimeScale {
                    window: w,
                    unit: axis.unit,
                    theme: th,
                },
                scale_line,
            );
        }
        let label_w = lanes.width - bars.width;
        for i in 0..usize::from(lanes.height) {
            let Some(row_index) = t.visible_row(t.scroll + i) else {
                break;
            };
            let Some(row) = t.model.rows.get(row_index) else {
                break;
            };
            let y = lanes.y + i as u16;
            let label_area = Rect {
                x: lanes.x,
                y,
                width: label_w,
                height: 1,
            };
            frame.render_widget(self.label(row), label_area);
            let bar_area = Rect {
                y,
                height: 1,
                ..bars
            };
            frame.render_widget(
                Swimlane {
                    model: &t.model,
                    row,
                    window: w,
                    selected: t.selected,
                    conflicts_only: t.conflicts_only,
                    theme: th,
                },
                bar_area,
            );
            // Zoomed in: `◂` / `▸` at the edges where the row has content off screen.
            let (before, after) = off_screen(t, row);
            if before && bar_area.width > 0 {
                frame.buffer_mut().set_string(bar_area.x, y, "◂", th.dim);
            }
            if after && bar_area.width > 1 {
                frame
                    .buffer_mut()
                    .set_string(bar_area.x + bar_area.width - 1, y, "▸", th.dim);
            }
        }
        if t.visible_len() == 0 {
            frame.render_widget(
                Line::styled("(empty run: no model or tool calls)", th.dim),
                lanes,
            );
        }
    }

    /// The left-hand label of a row; the selected row carries the cursor.
    fn label(&self, row: &Row) -> Line<'static> {
        let t = self.trace;
        let th = self.theme;
        let m = &t.model;
        let run = m.run();
        let (selected, text, style) = match row {
            Row::Model(i) => (
                t.selected == Item::Model(*i),
                format!("model #{} {}", i + 1, m.model_label[*i]),
                th.model,
            ),
            Row::BatchHeader(b) => {
                let batch = &run.batches[*b];
                let sev = m.batch_severity.get(*b).copied().flatten();
                let mark = if sev.is_some() {
                    format!(" {}", symbols::CONFLICT)
                } else {
                    String::new()
                };
                let style = if sev.is_some() { th.conflict } else { th.title };
                (
                    t.selected == Item::Batch(*b),
                    format!(
                        "▾ {} · {} calls{mark}",
                        sanitize::line(&batch.id),
                        batch.calls.len()
                    ),
                    style,
                )
            }
            Row::Lane { calls, batch, lane } => {
                let shown = match t.selected {
                    Item::Call(c) if calls.contains(&c) => Some(c),
                    _ => calls
                        .iter()
                        .copied()
                        .find(|c| !t.conflicts_only || m.is_conflict(*c)),
                };
                let conflict = calls.iter().any(|c| m.is_conflict(*c));
                let name = shown
                    .and_then(|c| m.call_label.get(c))
                    .map_or("", String::as_str);
                let more = if calls.len() > 1 {
                    format!(" +{}", calls.len() - 1)
                } else {
                    String::new()
                };
                let mut mark = if conflict {
                    format!(" {}", symbols::CONFLICT)
                } else {
                    String::new()
                };
                mark.push_str(shown.map_or("", |c| status_mark(run, c)));
                let last = batch
                    .is_some_and(|b| m.batch_lanes.get(b).is_some_and(|l| *lane + 1 >= l.len()));
                let tree = match (batch, last) {
                    (Some(_), true) => "  └ ",
                    (Some(_), false) => "  ├ ",
                    (None, _) => "  · ",
                };
                (
                    shown.is_some_and(|c| t.selected == Item::Call(c)),
                    format!("{tree}{name}{more}{mark}"),
                    if conflict { th.conflict } else { th.base },
                )
            }
            Row::Answer => (
                t.selected == Item::Answer,
                format!("{} final answer", symbols::ANSWER),
                th.answer,
            ),
        };
        // Search hits stand out until the next search.
        let item = match row {
            Row::Model(i) => Some(Item::Model(*i)),
            Row::BatchHeader(b) => Some(Item::Batch(*b)),
            Row::Lane { calls, .. } => calls
                .iter()
                .copied()
                .find(|c| t.search.matches.contains(&Item::Call(*c)))
                .map(Item::Call),
            Row::Answer => Some(Item::Answer),
        };
        let style = if item.is_some_and(|i| t.search.matches.contains(&i)) {
            th.matched
        } else {
            style
        };
        if selected {
            Line::from(vec![
                Span::styled(symbols::CURSOR, th.selected),
                Span::styled(text, th.selected),
            ])
        } else {
            Line::from(vec![Span::raw(" "), Span::styled(text, style)])
        }
    }
}

/// ` ✗` after a failed call's name, ` ∅` after one never executed.
pub fn status_mark(run: &crate::model::Run, call: usize) -> &'static str {
    match run.tool_calls.get(call).map(|c| c.status) {
        Some(crate::model::CallStatus::Error) => " ✗",
        Some(crate::model::CallStatus::NotExecuted) => " ∅",
        _ => "",
    }
}

/// Whether a row has something before / after the visible time window.
fn off_screen(t: &TraceState, row: &Row) -> (bool, bool) {
    let w = t.window;
    if w.start == 0 && w.span >= t.model.axis.length {
        return (false, false);
    }
    let end = w.start + w.span.max(1);
    let spans: Vec<Interval> = match row {
        Row::Model(i) => t
            .model
            .model_span
            .get(*i)
            .copied()
            .flatten()
            .into_iter()
            .collect(),
        Row::BatchHeader(b) => t
            .model
            .batch_span
            .get(*b)
            .copied()
            .flatten()
            .into_iter()
            .collect(),
        Row::Lane { calls, .. } => calls
            .iter()
            .filter_map(|c| t.model.call_span.get(*c).copied().flatten())
            .collect(),
        Row::Answer => vec![Interval {
            start: t.model.answer_at,
            end: t.model.answer_at,
        }],
    };
    (
        spans.iter().any(|s| s.end < w.start),
        spans.iter().any(|s| s.start >= end),
    )
}
