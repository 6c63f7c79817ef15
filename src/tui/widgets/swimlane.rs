//! Swimlane bars: one timeline row (a lane of tool calls, a model call, a batch's extent or the
//! answer) drawn onto one line of cells for the visible time window, plus the scale above.
//!
//! Bars are scaled to the window; a call narrower than a cell still gets one cell. Meaning is
//! carried by symbols as well as colour: `█` tool call, `▓` a call in a finding (with `‼` before
//! its label), `░` model call (the wait on the model), `├─┤` a batch's extent, `◆` the answer,
//! `✗` on a failed call's bar and label, `∅` (one cell, no bar) for a call never executed.
//! The selected call is drawn in reversed video.

use crate::units;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::Widget;

use crate::analysis::Severity;
use crate::model::CallStatus;

use super::super::app::Window;
use super::super::theme::{symbols, Theme};
use super::super::trace_model::{AxisUnit, Interval, Item, Row, TraceModel};

/// Maps axis positions onto the columns of `area`.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub area: Rect,
    pub window: Window,
}

impl Scale {
    /// The column of axis position `t` (clamped into the area), as an offset from `area.x`.
    pub fn column(&self, t: u64) -> u16 {
        let span = self.window.span.max(1);
        let t = t.clamp(self.window.start, self.window.start + span) - self.window.start;
        let w = u128::from(self.area.width);
        let col = u128::from(t) * w / u128::from(span);
        u16::try_from(col)
            .unwrap_or(u16::MAX)
            .min(self.area.width.saturating_sub(1))
    }

    /// Columns covered by `span`, or `None` when it is outside the window.
    pub fn columns(&self, span: Interval) -> Option<(u16, u16)> {
        let end_of_window = self.window.start + self.window.span.max(1);
        if span.end < self.window.start || span.start >= end_of_window {
            return None;
        }
        let a = self.column(span.start);
        let b = self.column(span.end).max(a + 1).min(self.area.width);
        Some((a, b))
    }

    /// The axis position under an offset column.
    pub fn position(&self, column: u16) -> u64 {
        let span = u128::from(self.window.span.max(1));
        let w = u128::from(self.area.width.max(1));
        self.window.start + u64::try_from(u128::from(column) * span / w).unwrap_or(0)
    }
}

/// One timeline row's bars.
pub struct Swimlane<'a> {
    pub model: &'a TraceModel,
    pub row: &'a Row,
    pub window: Window,
    pub selected: Item,
    pub conflicts_only: bool,
    pub theme: &'a Theme,
}

impl Swimlane<'_> {
    fn label_for(&self, text: &str, conflict: bool, dur: Option<Interval>) -> String {
        let mark = if conflict { symbols::CONFLICT } else { "" };
        let dur = match (self.model.axis.unit, dur) {
            (AxisUnit::Nanos, Some(s)) => format!(" {}", units::duration(s.end - s.start)),
            _ => String::new(),
        };
        format!(" {mark}{text}{dur}")
    }

    fn conflict_style(&self, sev: Option<Severity>) -> Option<Style> {
        match sev? {
            Severity::Observed => Some(self.theme.conflict),
            _ => Some(self.theme.latent),
        }
    }
}

/// Writes `text` from column `x` up to (not including) `limit`.
fn put(buf: &mut Buffer, area: Rect, x: u16, limit: u16, text: &str, style: Style) {
    let limit = limit.min(area.width);
    if x >= limit {
        return;
    }
    buf.set_stringn(area.x + x, area.y, text, usize::from(limit - x), style);
}

impl Widget for Swimlane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width == 0 || area.height == 0 {
            return;
        }
        let scale = Scale {
            area,
            window: self.window,
        };
        let m = self.model;
        let t = self.theme;
        match self.row {
            Row::Model(i) => {
                let Some(span) = m.model_span.get(*i).copied().flatten() else {
                    return;
                };
                let Some((a, b)) = scale.columns(span) else {
                    return;
                };
                let sel = self.selected == Item::Model(*i);
                let style = if sel { t.selected } else { t.model };
                for x in a..b {
                    put(buf, area, x, b, symbols::MODEL_BAR, style);
                }
                let label = self.label_for(
                    m.model_label.get(*i).map_or("", String::as_str),
                    false,
                    Some(span),
                );
                put(
                    buf,
                    area,
                    b,
                    area.width,
                    &label,
                    if sel { t.selected } else { t.dim },
                );
            }
            Row::BatchHeader(i) => {
                let Some(span) = m.batch_span.get(*i).copied().flatten() else {
                    return;
                };
                let Some((a, b)) = scale.columns(span) else {
                    return;
                };
                let sev = m.batch_severity.get(*i).copied().flatten();
                let style = if self.selected == Item::Batch(*i) {
                    t.selected
                } else {
                    self.conflict_style(sev).unwrap_or(t.dim)
                };
                for x in a..b {
                    let sym = match (x == a, x + 1 == b) {
                        (true, true) => "│",
                        (true, false) => "├",
                        (false, true) => "┤",
                        _ => "─",
                    };
                    put(buf, area, x, b, sym, style);
                }
            }
            Row::Answer => {
                let x = scale.column(m.answer_at);
                let style = if self.selected == Item::Answer {
                    t.selected
                } else {
                    t.answer
                };
                put(buf, area, x, area.width, symbols::ANSWER, style);
            }
            Row::Lane { calls, .. } => {
                // Calls in a lane never overlap and are sorted, so the visible ones are a run.
                let first = calls.partition_point(|c| {
                    m.call_span
                        .get(*c)
                        .copied()
                        .flatten()
                        .is_some_and(|s| s.end < self.window.start)
                });
                let visible: Vec<(usize, u16, u16)> = calls[first..]
                    .iter()
                    .filter(|c| !self.conflicts_only || m.is_conflict(**c))
                    .map_while(|c| {
                        let span = m.call_span.get(*c).copied().flatten();
                        match span {
                            Some(s) if s.start >= self.window.start + self.window.span.max(1) => {
                                None
                            }
                            Some(s) => Some(scale.columns(s).map(|(a, b)| (*c, a, b))),
                            None => Some(None),
                        }
                    })
                    .flatten()
                    .collect();
                for (i, &(c, a, b)) in visible.iter().enumerate() {
                    let sev = m.call_severity.get(c).copied().flatten();
                    let sel = self.selected == Item::Call(c);
                    let status = m.run().tool_calls.get(c).map(|c| c.status);
                    let (sym, base) = match (self.conflict_style(sev), status) {
                        (_, Some(CallStatus::NotExecuted)) => (symbols::NOT_EXECUTED, t.dim),
                        (Some(s), _) => (symbols::CONFLICT_BAR, s),
                        (None, Some(CallStatus::Error)) => (symbols::CALL_BAR, t.error),
                        (None, _) => (symbols::CALL_BAR, t.call),
                    };
                    let style = if sel { t.selected } else { base };
                    // A never-executed call is a mark, not a bar: it took no time.
                    let b = if status == Some(CallStatus::NotExecuted) {
                        a + 1
                    } else {
                        b
                    };
                    for x in a..b {
                        put(buf, area, x, b, sym, style);
                    }
                    if status == Some(CallStatus::Error) {
                        // The failure shows on the bar itself, not only in its label.
                        put(buf, area, a, b, symbols::ERROR, style);
                    }
                    let next = visible.get(i + 1).map_or(area.width, |n| n.1);
                    if next > b + 2 {
                        let name = m.call_label.get(c).map_or("", String::as_str);
                        let text = match status {
                            Some(CallStatus::Error) => format!("{} {name} failed", symbols::ERROR),
                            Some(CallStatus::NotExecuted) => format!("{name} (never executed)"),
                            _ => name.to_owned(),
                        };
                        let label = self.label_for(
                            &text,
                            sev.is_some(),
                            m.call_span
                                .get(c)
                                .copied()
                                .flatten()
                                .filter(|_| status != Some(CallStatus::NotExecuted)),
                        );
                        let lstyle = if sel {
                            t.selected
                        } else if sev.is_some() {
                            base
                        } else {
                            t.base
                        };
                        put(buf, area, b, next.saturating_sub(1), &label, lstyle);
                    }
                }
            }
        }
    }
}

/// The scale line above the bars: tick labels at regular intervals.
pub struct TimeScale<'a> {
    pub window: Window,
    pub unit: AxisUnit,
    pub theme: &'a Theme,
}

impl Widget for TimeScale<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width == 0 || area.height == 0 {
            return;
        }
        let scale = Scale {
            area,
            window: self.window,
        };
        // Ticks at round values (1, 2 or 5 times a power of ten) at least 12 columns apart.
        let span = self.window.span.max(1);
        let step = nice_step(
            span.saturating_mul(12)
                .div_ceil(u64::from(area.width.max(1))),
        );
        let mut t = self.window.start.div_ceil(step).saturating_mul(step);
        let mut last_end = 0u16;
        while t < self.window.start + span {
            let x = scale.column(t);
            let label = match self.unit {
                AxisUnit::Nanos => units::duration(t),
                AxisUnit::Steps => format!("#{}", t + 1),
            };
            // A label that would be cut at the right edge is left out.
            let fits = usize::from(x) + label.chars().count() < usize::from(area.width);
            if (x >= last_end || x == 0) && fits {
                put(
                    buf,
                    area,
                    x,
                    area.width,
                    &format!("╵{label}"),
                    self.theme.dim,
                );
                last_end = x.saturating_add(label.chars().count() as u16 + 2);
            }
            t = match t.checked_add(step) {
                Some(n) => n,
                None => break,
            };
        }
    }
}

/// The smallest of 1, 2, 5 × 10^k that is at least `min` (and at least 1).
pub fn nice_step(min: u64) -> u64 {
    let mut p = 1u64;
    loop {
        for m in [1, 2, 5] {
            let s = p.saturating_mul(m);
            if s >= min || s == u64::MAX {
                return s;
            }
        }
        p = p.saturating_mul(10);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_fall_on_round_values() {
        assert_eq!(nice_step(0), 1);
        assert_eq!(nice_step(3), 5);
        assert_eq!(nice_step(140_000_000), 200_000_000);
        assert_eq!(nice_step(500), 500);
        let theme = crate::tui::theme::Theme::default();
        let area = Rect::new(0, 0, 60, 1);
        let mut buf = Buffer::empty(area);
        TimeScale {
            window: Window {
                start: 0,
                span: 2_900_000_000,
            },
            unit: AxisUnit::Nanos,
            theme: &theme,
        }
        .render(area, &mut buf);
        let line: String = (0..60).map(|x| buf[(x, 0)].symbol().to_owned()).collect();
        assert!(line.contains("╵0 ") && line.contains("╵1.00s"), "{line}");
        assert!(!line.contains("846ms"), "{line}");
    }

    #[test]
    fn scale_maps_the_window_onto_columns() {
        let s = Scale {
            area: Rect::new(5, 0, 100, 1),
            window: Window {
                start: 1000,
                span: 1000,
            },
        };
        assert_eq!(s.column(1000), 0);
        assert_eq!(s.column(1500), 50);
        assert_eq!(s.column(5000), 99);
        assert_eq!(
            s.columns(Interval {
                start: 1100,
                end: 1101
            }),
            Some((10, 11))
        );
        assert_eq!(
            s.columns(Interval {
                start: 3000,
                end: 4000
            }),
            None
        );
        assert_eq!(s.position(50), 1500);
    }
}
