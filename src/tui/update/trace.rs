//! Actions on the trace screen: selection across the timeline, batch, resource and why views,
//! zoom and pan, batches, findings, conflicts-only, the answer and the why path, search.
//!
//! Every selection change goes through [`select`], which also follows the item's batch, keeps
//! it on screen (rows and time window) and rebuilds the inspector text.

use ratatui::layout::Rect;

use super::super::action::{Action, Effect};
use super::super::app::{
    App, Focus, Level, Prompt, PromptTarget, ResourceScope, Screen, TraceState, View, Window,
};
use super::super::sanitize;
use super::super::source::{ExportRequest, ExportScope};
use super::super::trace_model::{AxisUnit, Item, Row};
use super::super::views::{self, timeline};
use super::inspector_lines;
pub use super::jump::search;
use super::jump::{focus_finding, go_to_step};
use super::mouse::{click, inspector_rect};

/// Visible timeline rows for the current terminal size.
pub fn timeline_height(area: Rect, t: &TraceState) -> usize {
    let body = views::screen_areas(area).body;
    let main = views::trace_panes(body, t.inspector_shown, t.focus)
        .0
        .unwrap_or(body);
    usize::from(timeline::lanes_area(main).height).max(1)
}

fn inspector_height(app: &App) -> usize {
    views::inspector_area(app).map_or(1, |a| usize::from(views::inner(a).height).max(1))
}

pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    let rows = app
        .trace
        .as_ref()
        .map_or(1, |t| timeline_height(app.area, t));
    let inspector_rows = inspector_height(app);
    let area = app.area;
    let Some(t) = app.trace.as_mut() else {
        app.screen = Screen::List;
        return vec![];
    };
    let mut notice: Option<(Level, String)> = None;
    match action {
        Action::Back => {
            if t.focus == Focus::Inspector {
                t.focus = Focus::Main;
            } else if t.view != View::Timeline {
                t.view = View::Timeline;
            } else {
                // Leaving drops the trace: memory follows the opened trace only.
                app.trace = None;
                app.screen = Screen::List;
                return vec![];
            }
        }
        Action::NextPane => {
            t.inspector_shown = true;
            t.focus = match t.focus {
                Focus::Main => Focus::Inspector,
                Focus::Inspector => Focus::Main,
            };
        }
        Action::ToggleInspector => {
            t.inspector_shown = !t.inspector_shown;
            t.focus = Focus::Main;
        }
        Action::ShowTimeline => show(t, View::Timeline, rows),
        Action::ShowBatch => show(t, View::Batch, rows),
        Action::ShowResources => show(t, View::Resources, rows),
        Action::ShowWhy => show(t, View::Why, rows),
        Action::MoveDown
        | Action::MoveUp
        | Action::PageDown
        | Action::PageUp
        | Action::First
        | Action::Last
            if t.focus == Focus::Inspector =>
        {
            let max = t.inspector.lines.len().saturating_sub(1);
            let s = &mut t.inspector.scroll;
            *s = match action {
                Action::MoveDown => *s + 1,
                Action::MoveUp => s.saturating_sub(1),
                Action::PageDown => *s + inspector_rows,
                Action::PageUp => s.saturating_sub(inspector_rows),
                Action::First => 0,
                _ => max,
            }
            .min(max);
        }
        Action::MoveDown => move_vertical(t, 1, rows, &mut notice),
        Action::MoveUp => move_vertical(t, -1, rows, &mut notice),
        Action::PageDown => move_vertical(t, rows as isize, rows, &mut notice),
        Action::PageUp => move_vertical(t, -(rows as isize), rows, &mut notice),
        Action::First => move_vertical(t, isize::MIN / 2, rows, &mut notice),
        Action::Last => move_vertical(t, isize::MAX / 2, rows, &mut notice),
        Action::MoveLeft => move_horizontal(t, -1, rows),
        Action::MoveRight => move_horizontal(t, 1, rows),
        Action::ZoomIn => zoom(t, true),
        Action::ZoomOut => zoom(t, false),
        Action::ZoomReset => {
            t.window = Window {
                start: 0,
                span: t.model.axis.length,
            }
        }
        Action::PanLeft => pan(t, -1),
        Action::PanRight => pan(t, 1),
        Action::Open => open(t, rows),
        Action::PrevBatch | Action::NextBatch => {
            let n = t.model.run().batches.len();
            if n == 0 {
                notice = Some((Level::Warn, "this trace has no batches".into()));
            } else {
                let cur = t.batch.unwrap_or(0);
                let b = if matches!(action, Action::NextBatch) {
                    if t.batch.is_none() {
                        0
                    } else {
                        (cur + 1).min(n - 1)
                    }
                } else {
                    cur.saturating_sub(1)
                };
                let item = match t.view {
                    View::Timeline | View::Why => Item::Batch(b),
                    _ => t.model.run().batches[b]
                        .calls
                        .first()
                        .map_or(Item::Batch(b), |c| Item::Call(*c)),
                };
                select(t, item, rows);
                t.batch = Some(b);
            }
        }
        Action::PrevFinding | Action::NextFinding => {
            let n = t.model.analysis().findings.len();
            if n == 0 {
                notice = Some((Level::Info, "no findings in this trace".into()));
            } else {
                let f = match (t.finding, matches!(action, Action::NextFinding)) {
                    (None, true) => 0,
                    (None, false) => n - 1,
                    (Some(f), true) => (f + 1) % n,
                    (Some(f), false) => (f + n - 1) % n,
                };
                focus_finding(t, f, rows);
                let finding = &t.model.analysis().findings[f];
                notice = Some((
                    Level::Warn,
                    format!(
                        "finding {}/{n}: {}",
                        f + 1,
                        super::super::sanitize::line(&finding.explanation)
                    ),
                ));
            }
        }
        Action::ToggleConflictsOnly => {
            if t.model.analysis().findings.is_empty() {
                notice = Some((
                    Level::Info,
                    "no findings in this trace: nothing to filter".into(),
                ));
            } else {
                t.conflicts_only = !t.conflicts_only;
                if t.selected_position().is_none() || !selectable(t, t.selected) {
                    let first = t.model.analysis().findings[0].calls.first().copied();
                    select(t, first.map_or(Item::Answer, Item::Call), rows);
                }
                t.scroll = 0;
                ensure_visible(t, rows);
                let label = if t.conflicts_only {
                    "showing only calls involved in findings"
                } else {
                    "showing all calls"
                };
                notice = Some((Level::Info, label.into()));
            }
        }
        Action::JumpToAnswer => {
            if t.model.run().final_answer.is_none() {
                notice = Some((Level::Warn, "this run recorded no final answer".into()));
            }
            if matches!(t.view, View::Batch | View::Resources) {
                t.view = View::Timeline;
            }
            t.why_step = Some(0);
            select(t, Item::Answer, rows);
        }
        Action::StepBack | Action::StepForward => {
            let steps = t.model.analysis().why.steps.len();
            if steps == 0 {
                notice = Some((
                    Level::Warn,
                    "no why path: no value of the answer was traced back to a tool result".into(),
                ));
            } else {
                let back = matches!(action, Action::StepBack);
                let step = match (t.why_step, back) {
                    (None, true) => 1.min(steps - 1),
                    (None, false) => 0,
                    (Some(s), true) => (s + 1).min(steps - 1),
                    (Some(s), false) => s.saturating_sub(1),
                };
                if back && t.why_step == Some(step) {
                    notice = Some((Level::Info, "start of the why path reached".into()));
                }
                t.view = View::Why;
                t.focus = Focus::Main;
                go_to_step(t, step, rows);
            }
        }
        Action::Search => t_prompt(&mut app.prompt),
        Action::NextMatch | Action::PrevMatch => {
            let n = t.search.matches.len();
            if n == 0 {
                notice = Some((Level::Info, "no search results: press / to search".into()));
            } else {
                let next = matches!(action, Action::NextMatch);
                let i = match t.search.current {
                    None => 0,
                    Some(i) if next => (i + 1) % n,
                    Some(i) => (i + n - 1) % n,
                };
                t.search.current = Some(i);
                let item = t.search.matches[i];
                select(t, item, rows);
                notice = Some((Level::Info, format!("match {}/{n}", i + 1)));
            }
        }
        Action::ToggleScope => {
            t.resources.scope = match t.resources.scope {
                ResourceScope::Batch => ResourceScope::Trace,
                ResourceScope::Trace => ResourceScope::Batch,
            };
            t.resources.row = 0;
            sync_resource_column(t);
        }
        Action::Export => {
            let scope = match t.view {
                View::Why => ExportScope::Why,
                View::Batch => t.batch.map_or(ExportScope::Trace, ExportScope::Batch),
                View::Resources if t.resources.scope == ResourceScope::Batch => {
                    t.batch.map_or(ExportScope::Trace, ExportScope::Batch)
                }
                _ => ExportScope::Trace,
            };
            let run = t.model.run();
            let hex = run.trace_id.to_hex();
            let batch = match scope {
                ExportScope::Batch(b) => run
                    .batches
                    .get(b)
                    .map(|b| {
                        let safe: String =
                            b.id.chars()
                                .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                                .collect();
                        format!("-{safe}")
                    })
                    .unwrap_or_default(),
                _ => String::new(),
            };
            let text = format!("fanout-{}{batch}.md", hex.get(..8).unwrap_or(&hex));
            app.prompt = Some(Prompt::new(PromptTarget::ExportPath(scope), text));
        }
        Action::Click { column, row } => click(t, area, column, row, rows),
        Action::ScrollDown { column, row } | Action::ScrollUp { column, row } => {
            let down = matches!(action, Action::ScrollDown { .. });
            let in_inspector =
                inspector_rect(area, t).is_some_and(|r| r.contains((column, row).into()));
            if in_inspector {
                let max = t.inspector.lines.len().saturating_sub(1);
                let s = &mut t.inspector.scroll;
                *s = if down {
                    (*s + 3).min(max)
                } else {
                    s.saturating_sub(3)
                };
            } else if t.view == View::Timeline {
                let max = t.visible_len().saturating_sub(rows);
                t.scroll = if down {
                    (t.scroll + 3).min(max)
                } else {
                    t.scroll.saturating_sub(3)
                };
            } else {
                move_vertical(t, if down { 1 } else { -1 }, rows, &mut notice);
            }
        }
        _ => {}
    }
    if let Some((level, text)) = notice {
        app.notify(level, text);
    }
    vec![]
}

fn t_prompt(prompt: &mut Option<Prompt>) {
    // A new search starts empty (`n`/`N` still step through the last one's matches).
    *prompt = Some(Prompt::new(PromptTarget::TraceSearch, String::new()));
}

/// Switches the main view; the selection (and so the inspector) moves to something the new view
/// shows when the old one is not in it.
fn show(t: &mut TraceState, view: View, rows: usize) {
    t.view = view;
    t.focus = Focus::Main;
    if view == View::Why && t.why_step.is_none() && !t.model.analysis().why.steps.is_empty() {
        t.why_step = Some(0);
    }
    let in_view: Vec<usize> = match view {
        View::Batch => t
            .batch
            .and_then(|b| t.model.run().batches.get(b))
            .map(|b| b.calls.clone())
            .unwrap_or_default(),
        View::Resources => t.matrix().columns.clone(),
        View::Timeline | View::Why => return,
    };
    let shown = matches!(t.selected, Item::Call(c) if in_view.contains(&c));
    if let (false, Some(&first)) = (shown, in_view.first()) {
        select(t, Item::Call(first), rows);
        if view == View::Resources {
            t.resources.column = 0;
        }
    }
}

/// Whether `item` is shown in the current filter.
pub(super) fn selectable(t: &TraceState, item: Item) -> bool {
    match item {
        Item::Call(c) if t.conflicts_only => t.model.is_conflict(c),
        _ => true,
    }
}

/// Selects `item`: follows its batch, scrolls it into view, rebuilds the inspector.
pub fn select(t: &mut TraceState, item: Item, rows: usize) {
    t.selected = item;
    if let Some(b) = t.model.batch_of(item) {
        t.batch = Some(b);
    }
    if let Some(span) = t.model.span_of(item) {
        let w = &mut t.window;
        if span.end < w.start || span.start >= w.start + w.span {
            w.start = span
                .mid()
                .saturating_sub(w.span / 2)
                .min(t.model.axis.length.saturating_sub(w.span));
        }
    }
    ensure_visible(t, rows);
    t.inspector.lines = inspector_lines(&t.model, item);
    t.inspector.scroll = 0;
    sync_resource_column(t);
}

/// Scrolls the timeline so the selected row is among the `rows` visible ones.
pub fn ensure_visible(t: &mut TraceState, rows: usize) {
    let rows = rows.max(1);
    if let Some(pos) = t.selected_position() {
        if pos < t.scroll {
            t.scroll = pos;
        } else if pos >= t.scroll + rows {
            t.scroll = pos + 1 - rows;
        }
    }
    t.scroll = t.scroll.min(t.visible_len().saturating_sub(rows));
}

fn sync_resource_column(t: &mut TraceState) {
    if let Item::Call(c) = t.selected {
        if let Some(col) = t.matrix().column_of(c) {
            t.resources.column = col;
        }
    }
    let m = t.matrix();
    let (cols, rows) = (m.columns.len(), m.rows.len());
    t.resources.column = t.resources.column.min(cols.saturating_sub(1));
    t.resources.row = t.resources.row.min(rows.saturating_sub(1));
}

fn move_vertical(
    t: &mut TraceState,
    delta: isize,
    rows: usize,
    notice: &mut Option<(Level, String)>,
) {
    match t.view {
        View::Timeline => {
            let len = t.visible_len();
            if len == 0 {
                return;
            }
            let cur = t.selected_position().unwrap_or(t.scroll);
            let to = cur.saturating_add_signed(delta).min(len - 1);
            let near = t.model.span_of(t.selected).map(|s| s.mid());
            if let Some(item) = t
                .visible_row(to)
                .and_then(|r| t.model.item_at(r, near, t.conflicts_only))
            {
                select(t, item, rows);
            }
        }
        View::Batch => {
            let calls = batch_calls(t);
            if calls.is_empty() {
                return;
            }
            let cur = match t.selected {
                Item::Call(c) => calls.iter().position(|x| *x == c),
                _ => None,
            };
            let to = match cur {
                Some(i) => i.saturating_add_signed(delta).min(calls.len() - 1),
                None => 0,
            };
            select(t, Item::Call(calls[to]), rows);
        }
        View::Resources => {
            let n = t.matrix().rows.len();
            t.resources.row = t
                .resources
                .row
                .saturating_add_signed(delta)
                .min(n.saturating_sub(1));
        }
        View::Why => {
            let steps = t.model.analysis().why.steps.len();
            if steps == 0 {
                *notice = Some((Level::Warn, "no why path in this trace".into()));
                return;
            }
            let to = t
                .why_step
                .unwrap_or(0)
                .saturating_add_signed(delta)
                .min(steps - 1);
            go_to_step(t, to, rows);
        }
    }
}

/// The calls of the batch view's batch, lane by lane.
fn batch_calls(t: &TraceState) -> Vec<usize> {
    t.batch
        .and_then(|b| t.model.batch_lanes.get(b))
        .map(|lanes| lanes.iter().flatten().copied().collect())
        .unwrap_or_default()
}

fn move_horizontal(t: &mut TraceState, delta: isize, rows: usize) {
    match t.view {
        View::Timeline => {
            // Along the lane to the neighbouring call; at either end of the lane, pan.
            let neighbour = match (
                t.selected,
                t.model.row_of(t.selected).and_then(|r| t.model.rows.get(r)),
            ) {
                (Item::Call(c), Some(Row::Lane { calls, .. })) => {
                    let visible: Vec<usize> = calls
                        .iter()
                        .copied()
                        .filter(|x| !t.conflicts_only || t.model.is_conflict(*x))
                        .collect();
                    visible
                        .iter()
                        .position(|x| *x == c)
                        .and_then(|i| i.checked_add_signed(delta))
                        .and_then(|i| visible.get(i).copied())
                }
                _ => None,
            };
            // Past either end of the lane (or from a model call): the previous / next call in
            // time anywhere in the run, so `h`/`l` walk every call; pan only past the last.
            let neighbour = neighbour.or_else(|| {
                let mut order: Vec<(u64, usize)> = (0..t.model.run().tool_calls.len())
                    .filter(|x| !t.conflicts_only || t.model.is_conflict(*x))
                    .filter_map(|x| Some((t.model.call_span.get(x).copied().flatten()?.start, x)))
                    .collect();
                order.sort_unstable();
                let here = match t.selected {
                    Item::Call(c) => order.iter().position(|(_, x)| *x == c),
                    _ => None,
                };
                match here {
                    Some(i) => i
                        .checked_add_signed(delta)
                        .and_then(|i| order.get(i))
                        .map(|(_, x)| *x),
                    None => {
                        let at = t
                            .model
                            .row_of(t.selected)
                            .and_then(|r| t.model.rows.get(r))
                            .and_then(|r| match r {
                                Row::Model(m) => t.model.model_span.get(*m).copied().flatten(),
                                _ => None,
                            })
                            .map_or(0, |s| s.start);
                        if delta > 0 {
                            order.iter().find(|(s, _)| *s >= at).map(|(_, x)| *x)
                        } else {
                            order.iter().rev().find(|(s, _)| *s < at).map(|(_, x)| *x)
                        }
                    }
                }
            });
            match neighbour {
                Some(c) => select(t, Item::Call(c), rows),
                None => pan(t, delta.signum()),
            }
        }
        View::Batch => move_vertical(t, delta, rows, &mut None),
        View::Resources => {
            let cols = t.matrix().columns.len();
            if cols == 0 {
                return;
            }
            let col = t
                .resources
                .column
                .saturating_add_signed(delta)
                .min(cols - 1);
            t.resources.column = col;
            if let Some(&c) = t.matrix().columns.get(col) {
                select(t, Item::Call(c), rows);
            }
        }
        View::Why => {}
    }
}

fn zoom(t: &mut TraceState, zoom_in: bool) {
    let length = t.model.axis.length.max(1);
    let min_span = match t.model.axis.unit {
        AxisUnit::Nanos => 1_000,
        AxisUnit::Steps => 4,
    }
    .min(length);
    let w = t.window;
    let focus = t
        .model
        .span_of(t.selected)
        .map_or(w.start + w.span / 2, |s| s.mid());
    let span = if zoom_in {
        (w.span / 2).max(min_span)
    } else {
        w.span.saturating_mul(2).min(length)
    };
    let start = focus.saturating_sub(span / 2).min(length - span);
    t.window = Window { start, span };
}

fn pan(t: &mut TraceState, direction: isize) {
    let length = t.model.axis.length;
    let w = &mut t.window;
    let step = (w.span / 4).max(1);
    w.start = if direction < 0 {
        w.start.saturating_sub(step)
    } else {
        (w.start + step).min(length.saturating_sub(w.span))
    };
}

fn open(t: &mut TraceState, rows: usize) {
    match (t.view, t.selected) {
        (View::Timeline, Item::Batch(_)) => t.view = View::Batch,
        (View::Timeline, Item::Answer) => {
            t.view = View::Why;
            if !t.model.analysis().why.steps.is_empty() {
                go_to_step(t, 0, rows);
            }
        }
        (View::Why, item) => {
            // From the path to its place in the timeline.
            t.view = View::Timeline;
            select(t, item, rows);
        }
        _ => {
            t.inspector_shown = true;
            t.focus = Focus::Inspector;
        }
    }
}

/// Asks the worker to write the export the prompt named.
pub fn export(app: &mut App, scope: ExportScope, path: &str) -> Vec<Effect> {
    let Some(t) = app.trace.as_ref() else {
        return vec![];
    };
    let path = path.trim();
    if path.is_empty() {
        app.notify(Level::Warn, "export cancelled: no file name");
        return vec![];
    }
    let request = ExportRequest {
        trace_id: t.model.run().trace_id,
        scope,
        path: std::path::PathBuf::from(path),
    };
    app.notify(
        Level::Info,
        format!("exporting to {}…", sanitize::line(path)),
    );
    vec![Effect::Export(request)]
}
