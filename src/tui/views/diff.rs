//! The diff screen: run A (marked, or the previous run) beside run B. The first batch where
//! they diverge is named at the top; then each batch pair that differs (calls in one run only,
//! arguments and results that differ with their values, status, resources, sibling overlap and
//! order, findings); then the final answers side by side. A pure function of [`DiffState`].
//!
//! ```text
//! ┌ compare · A 9b2e7d4c (lost_update.json) │ B 1f3e0a2b (rerun.json) · differ ──────┐
//! │ first divergence: batch b2                                                       │
//! │                        A                          B                              │
//! │ ── batch b2 ──         b2                         b2                             │
//! │ deposit result         new_balance=150            new_balance=175                │
//! │ ‼ lost update on …     observed                   –                              │
//! │ ── final answer ──     Your balance is now 125.   Your balance is now 175.       │
//! └──────────────────────────────────────────────────────────────────────────────────┘
//! ```

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};
use ratatui::Frame;
use serde_json::Value;

use crate::analysis::diff::{leaf_changes, BatchDiff, CallPairing, RunDiff};
use crate::model::TraceId;

use super::super::app::{App, DiffState};
use super::super::sanitize;
use super::super::theme::{symbols, Theme};
use super::trace_list::source_label;
use super::{inner, pane, short_id};

/// One line of the comparison: what it is about, A's side, B's side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub what: String,
    pub a: String,
    pub b: String,
    pub kind: LineKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Heading,
    Change,
    Finding,
    Same,
}

pub struct DiffView<'a> {
    pub app: &'a App,
    pub state: &'a DiffState,
    pub theme: &'a Theme,
}

impl DiffView<'_> {
    pub fn render(&self, frame: &mut Frame, area: Rect) {
        let th = self.theme;
        let d = &self.state.diff;
        let name = |id: TraceId| {
            let src = self
                .app
                .list
                .all
                .iter()
                .find(|e| e.summary.trace_id == id)
                .map(|e| source_label(e.summary.source.as_deref()))
                .filter(|s| s != "-")
                .map(|s| format!(" ({s})"))
                .unwrap_or_default();
            format!("{}{src}", short_id(&id.to_hex()))
        };
        let verdict = if d.is_equivalent() {
            "equivalent"
        } else {
            "differ"
        };
        let title = Line::from(vec![Span::styled(
            format!(
                " compare · A {} │ B {} · {verdict} ",
                name(self.state.a),
                name(self.state.b)
            ),
            th.title,
        )]);
        frame.render_widget(pane(title, th, true), area);
        let body = inner(area);
        if body.height < 2 {
            return;
        }
        let top = match d.first_divergence.and_then(|i| d.batches.get(i)) {
            Some(b) => Line::styled(
                format!(
                    " {} first divergence: batch {}",
                    symbols::CONFLICT,
                    batch_ids(b)
                ),
                th.conflict,
            ),
            None if d.is_equivalent() => Line::styled(
                " no difference in batches, calls, findings or the answer",
                th.dim,
            ),
            None => Line::styled(" the batches agree; the answers differ", th.warn),
        };
        frame.render_widget(
            Paragraph::new(top).wrap(Wrap { trim: true }),
            Rect { height: 1, ..body },
        );
        let lines = diff_lines(d);
        let table_area = Rect {
            y: body.y + 1,
            height: body.height - 1,
            ..body
        };
        let [what_w, a_w, b_w] = Layout::horizontal([
            Constraint::Fill(2),
            Constraint::Fill(3),
            Constraint::Fill(3),
        ])
        .spacing(1)
        .areas(table_area)
        .map(|r: Rect| usize::from(r.width.max(1)));
        let rows: Vec<Row> = lines
            .iter()
            .skip(self.state.scroll.min(lines.len().saturating_sub(1)))
            .map(|l| {
                let style = match l.kind {
                    LineKind::Heading => th.title,
                    LineKind::Change => th.base,
                    LineKind::Finding => th.conflict,
                    LineKind::Same => th.dim,
                };
                // Values wrap (the answers above all): side by side, nothing cut off.
                let max = if l.what.contains("final answer") {
                    12
                } else {
                    4
                };
                let cell = |s: &str, w: usize| {
                    let wrapped = wrap(&sanitize::line(s), w, max);
                    let n = wrapped.len();
                    (Cell::from(Text::from(wrapped).style(style)), n)
                };
                let (what, n0) = cell(&l.what, what_w);
                let (a, n1) = cell(&l.a, a_w);
                let (b, n2) = cell(&l.b, b_w);
                Row::new(vec![what, a, b]).height(n0.max(n1).max(n2).max(1) as u16)
            })
            .collect();
        let table = Table::new(
            rows,
            [
                Constraint::Fill(2),
                Constraint::Fill(3),
                Constraint::Fill(3),
            ],
        )
        .header(Row::new(vec!["", "A", "B"]).style(th.dim))
        .column_spacing(1);
        frame.render_widget(table, table_area);
    }
}

/// Splits `text` into lines of at most `width` characters, at spaces where it can, keeping at
/// most `max` lines (the last one ends in `…` when text was left over).
fn wrap(text: &str, width: usize, max: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word = word.to_owned();
        loop {
            let used = line.chars().count();
            let need = word.chars().count() + usize::from(used > 0);
            if used + need <= width {
                if used > 0 {
                    line.push(' ');
                }
                line.push_str(&word);
                break;
            }
            if used > 0 {
                out.push(std::mem::take(&mut line));
                continue;
            }
            // A word longer than the column: cut it.
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            out.push(head);
            if word.is_empty() {
                break;
            }
        }
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    if out.len() > max {
        out.truncate(max);
        if let Some(last) = out.last_mut() {
            let keep: String = last.chars().take(width.saturating_sub(1)).collect();
            *last = format!("{keep}…");
        }
    }
    out.into_iter().map(Line::from).collect()
}

fn batch_ids(b: &BatchDiff) -> String {
    match (&b.ids[0], &b.ids[1]) {
        (Some(x), Some(y)) if x == y => x.clone(),
        (x, y) => format!(
            "{} / {}",
            x.as_deref().unwrap_or("–"),
            y.as_deref().unwrap_or("–")
        ),
    }
}

fn value(v: &Option<Value>) -> String {
    match v {
        None => "–".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    }
}

/// The comparison as lines, first divergence first in model order: only batches that differ,
/// then the final answers. Pure, so the view and its tests share it.
pub fn diff_lines(d: &RunDiff) -> Vec<DiffLine> {
    let mut out = Vec::new();
    let line = |what: String, a: String, b: String, kind| DiffLine { what, a, b, kind };
    if d.model_calls[0] != d.model_calls[1] {
        out.push(line(
            "model calls".into(),
            d.model_calls[0].to_string(),
            d.model_calls[1].to_string(),
            LineKind::Change,
        ));
    }
    for b in d.batches.iter().filter(|b| b.differs()) {
        out.push(line(
            format!("── batch {} ──", batch_ids(b)),
            b.ids[0].clone().unwrap_or_else(|| "(none)".into()),
            b.ids[1].clone().unwrap_or_else(|| "(none)".into()),
            LineKind::Heading,
        ));
        for c in b.calls.iter().filter(|c| c.differs()) {
            let id = |i: usize| c.call_ids[i].clone().unwrap_or_default();
            if c.paired_by == CallPairing::Unmatched {
                let (a, b) = if c.calls[0].is_some() {
                    (format!("{} {}", c.name, id(0)), "(not called)".into())
                } else {
                    ("(not called)".into(), format!("{} {}", c.name, id(1)))
                };
                out.push(line(c.name.clone(), a, b, LineKind::Change));
                continue;
            }
            for (label, change) in [("arguments", &c.arguments), ("result", &c.result)] {
                let Some(ch) = change else { continue };
                let leaves = leaf_changes(ch.a.as_ref(), ch.b.as_ref(), 3);
                if leaves.is_empty() {
                    out.push(line(
                        format!("{} {label}", c.name),
                        value(&ch.a),
                        value(&ch.b),
                        LineKind::Change,
                    ));
                }
                for l in leaves {
                    let path = if l.path.is_empty() {
                        String::new()
                    } else {
                        format!("{}=", l.path)
                    };
                    out.push(line(
                        format!("{} {label}", c.name),
                        format!("{path}{}", value(&l.values[0])),
                        format!("{path}{}", value(&l.values[1])),
                        LineKind::Change,
                    ));
                }
            }
            if let Some(s) = &c.status {
                out.push(line(
                    format!("{} status", c.name),
                    format!("{:?}", s.a).to_lowercase(),
                    format!("{:?}", s.b).to_lowercase(),
                    LineKind::Change,
                ));
            }
            if c.resources_only.iter().any(|r| !r.is_empty()) {
                out.push(line(
                    format!("{} resources only here", c.name),
                    c.resources_only[0].join(", "),
                    c.resources_only[1].join(", "),
                    LineKind::Change,
                ));
            }
        }
        for o in &b.overlap {
            let said = |x: bool| {
                if x {
                    "overlapped"
                } else {
                    "one after the other"
                }
            };
            out.push(line(
                format!("{} ∥ {}", o.calls[0], o.calls[1]),
                said(o.overlapped[0]).into(),
                said(o.overlapped[1]).into(),
                LineKind::Change,
            ));
        }
        if b.order_changed {
            out.push(line(
                "sibling order".into(),
                "one order".into(),
                "another order".into(),
                LineKind::Change,
            ));
        }
        for f in &b.findings {
            let sev = |s: Option<crate::analysis::Severity>| {
                s.map_or("–".to_owned(), |s| s.as_str().to_owned())
            };
            out.push(line(
                format!("{} {} on {}", symbols::CONFLICT, f.kind.label(), f.resource),
                sev(f.severity[0]),
                sev(f.severity[1]),
                LineKind::Finding,
            ));
        }
    }
    let answer = |a: &Option<String>| a.clone().unwrap_or_else(|| "(no answer)".into());
    out.push(line(
        "── final answer ──".into(),
        answer(&d.final_answer[0]),
        answer(&d.final_answer[1]),
        if d.final_answer[0] == d.final_answer[1] {
            LineKind::Same
        } else {
            LineKind::Heading
        },
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrap_breaks_at_spaces_cuts_long_words_and_marks_what_is_left_out() {
        let w = |t: &str, n, m| -> Vec<String> {
            wrap(t, n, m).iter().map(|l| l.to_string()).collect()
        };
        assert_eq!(w("the balance is 120", 8, 9), ["the", "balance", "is 120"]);
        assert_eq!(w("abcdefghij", 4, 9), ["abcd", "efgh", "ij"]);
        assert_eq!(w("a b c d e f", 3, 2), ["a b", "c …"]);
        assert_eq!(w("", 5, 2), [""]);
    }
}
