//! Mouse on the trace screen: a click focuses the pane under it and selects the row (timeline)
//! or lane (batch view) it lands on; the same geometry functions as drawing are used, so the
//! click hits what is on screen.

use ratatui::layout::Rect;

use super::super::app::{Focus, TraceState, View};
use super::super::trace_model::Item;
use super::super::views::{self, timeline};
use super::trace::select;

pub(super) fn inspector_rect(area: Rect, t: &TraceState) -> Option<Rect> {
    views::trace_panes(views::screen_areas(area).body, t.inspector_shown, t.focus).1
}

pub(super) fn click(t: &mut TraceState, area: Rect, column: u16, row: u16, rows: usize) {
    let pos = (column, row).into();
    if inspector_rect(area, t).is_some_and(|r| r.contains(pos)) {
        t.focus = Focus::Inspector;
        return;
    }
    let body = views::screen_areas(area).body;
    let Some(main) = views::trace_panes(body, t.inspector_shown, t.focus).0 else {
        return;
    };
    if !main.contains(pos) {
        return;
    }
    t.focus = Focus::Main;
    if t.view == View::Batch {
        // The batch view starts with one line per lane.
        let inner = views::inner(main);
        let lane = usize::from(row.saturating_sub(inner.y));
        let call = t
            .batch
            .and_then(|b| t.model.batch_lanes.get(b))
            .and_then(|l| l.get(lane))
            .and_then(|l| l.first());
        if let (true, Some(&c)) = (row >= inner.y, call) {
            select(t, Item::Call(c), rows);
        }
        return;
    }
    if t.view != View::Timeline {
        return;
    }
    let lanes = timeline::lanes_area(main);
    if !lanes.contains(pos) {
        return;
    }
    let visible_pos = t.scroll + usize::from(row - lanes.y);
    let Some(model_row) = t.visible_row(visible_pos) else {
        return;
    };
    let near = timeline::axis_at(lanes, t.window, column);
    if let Some(item) = t.model.item_at(model_row, near, t.conflicts_only) {
        select(t, item, rows);
    }
}
