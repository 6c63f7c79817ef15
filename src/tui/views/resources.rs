//! The resource view: resources × calls with R / W / RW marks, for the current batch or the whole
//! trace (`t` switches). Resources in findings come first and their marks carry `‼`, so
//! conflicts jump out even without colour. [`MatrixTable`] is shared with the batch view.
//!
//! ```text
//! ┌ resources · batch b2 ─────────────────────────────────────┐
//! │ resource             call_dep_a  call_dep_b              │
//! │‼account:acc-1001     RW‼         RW‼                     │
//! │ ledger:acc-1001      R                                   │
//! └──────────────────────────────────────────────────────────┘
//! ```

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use crate::analysis::{AccessMode, Severity};

use super::super::app::{ResourceScope, TraceState};
use super::super::matrix::ResourceMatrix;
use super::super::sanitize;
use super::super::theme::{symbols, Theme};
use super::super::trace_model::TraceModel;
use super::{inner, pane};

const COLUMN_WIDTH: u16 = 12;

pub struct ResourcesView<'a> {
    pub trace: &'a TraceState,
    pub theme: &'a Theme,
    pub focused: bool,
}

impl ResourcesView<'_> {
    pub fn render(&self, frame: &mut Frame, area: Rect) {
        let t = self.trace;
        let th = self.theme;
        let scope = match (t.resources.scope, t.batch) {
            (ResourceScope::Batch, Some(b)) => {
                format!(
                    "batch {}",
                    t.model
                        .run()
                        .batches
                        .get(b)
                        .map_or("?".into(), |b| sanitize::line(&b.id).into_owned())
                )
            }
            _ => "whole trace".into(),
        };
        let title = Line::from(vec![
            Span::styled(format!(" resources · {scope}"), th.title),
            Span::styled(" (t: batch / trace) ", th.dim),
        ]);
        frame.render_widget(pane(title, th, self.focused), area);
        let matrix = t.matrix();
        let body = inner(area);
        if matrix.rows.is_empty() {
            frame.render_widget(
                Line::styled("no resource accesses known for these calls", th.dim),
                body,
            );
            return;
        }
        MatrixTable {
            model: &t.model,
            matrix,
            selected_row: Some(t.resources.row),
            selected_column: Some(t.resources.column),
            theme: th,
        }
        .render(frame, body);
    }
}

/// Draws a [`ResourceMatrix`]: a header of call ids, then one line per resource.
pub struct MatrixTable<'a> {
    pub model: &'a TraceModel,
    pub matrix: &'a ResourceMatrix,
    pub selected_row: Option<usize>,
    pub selected_column: Option<usize>,
    pub theme: &'a Theme,
}

impl MatrixTable<'_> {
    pub fn render(&self, frame: &mut Frame, area: Rect) {
        if area.height == 0 || area.width == 0 {
            return;
        }
        let th = self.theme;
        let name_w = (area.width / 3).clamp(10, 32);
        let fit_cols = usize::from((area.width.saturating_sub(name_w) / COLUMN_WIDTH).max(1));
        let fit_rows = usize::from(area.height.saturating_sub(1).max(1));
        // Scroll so the selected cell is on screen: derived from state, nothing stored.
        let first_col = self
            .selected_column
            .map_or(0, |c| (c + 1).saturating_sub(fit_cols));
        let first_row = self
            .selected_row
            .map_or(0, |r| (r + 1).saturating_sub(fit_rows));
        let columns: Vec<usize> = (first_col..self.matrix.columns.len())
            .take(fit_cols)
            .collect();

        let mut header = vec![Span::styled(pad("resource", name_w), th.dim)];
        for &col in &columns {
            let call = self.matrix.columns[col];
            let id = self
                .model
                .run()
                .tool_calls
                .get(call)
                .map_or(String::new(), |c| c.display_id());
            let style = if self.selected_column == Some(col) {
                th.selected
            } else {
                th.dim
            };
            header.push(Span::styled(
                pad(
                    &sanitize::short(&id, usize::from(COLUMN_WIDTH) - 1),
                    COLUMN_WIDTH,
                ),
                style,
            ));
        }
        frame.render_widget(Line::from(header), Rect { height: 1, ..area });

        for (i, row) in self
            .matrix
            .rows
            .iter()
            .enumerate()
            .skip(first_row)
            .take(fit_rows)
        {
            let y = area.y + 1 + (i - first_row) as u16;
            let selected_row = self.selected_row == Some(i);
            let (mark, name_style) = match row.conflict {
                Some(s) => (symbols::CONFLICT, self.conflict_style(s)),
                None => (" ", th.base),
            };
            let name_style = if selected_row {
                th.selected
            } else {
                name_style
            };
            let mut spans = vec![Span::styled(
                pad(
                    &format!(
                        "{mark}{}",
                        sanitize::short(&row.resource, usize::from(name_w) - 2)
                    ),
                    name_w,
                ),
                name_style,
            )];
            for &col in &columns {
                let (text, style) = match row.cell(col) {
                    Some(cell) => {
                        let conflict = cell.conflict.map_or("", |_| symbols::CONFLICT);
                        let style = match cell.conflict {
                            Some(s) => self.conflict_style(s),
                            None => self.mode_style(cell.mode),
                        };
                        (format!("{}{conflict}", cell.mode.mark()), style)
                    }
                    None => ("·".to_owned(), th.dim),
                };
                let style = if selected_row && self.selected_column == Some(col) {
                    th.selected
                } else {
                    style
                };
                spans.push(Span::styled(pad(&text, COLUMN_WIDTH), style));
            }
            frame.render_widget(
                Line::from(spans),
                Rect {
                    y,
                    height: 1,
                    ..area
                },
            );
        }
    }

    fn conflict_style(&self, s: Severity) -> Style {
        if s == Severity::Observed {
            self.theme.conflict
        } else {
            self.theme.latent
        }
    }

    fn mode_style(&self, mode: AccessMode) -> Style {
        if mode.writes() {
            self.theme.write
        } else {
            self.theme.read
        }
    }
}

fn pad(s: &str, width: u16) -> String {
    format!("{s:<w$}", w = usize::from(width))
}
