//! Live capture in the viewer: counting what arrived, marking live traces, reloading the list
//! and the open trace as they grow (keeping selection, view and scroll), and following new
//! traces when the user asked to.

use super::super::action::{Effect, LiveUpdate};
use super::super::app::{App, Level, LiveState, Screen, TraceState};
use super::super::trace_model::{Item, TraceModel};
use super::{inspector_lines, trace};

/// Applies a receiver report: counts, live marks, and what to reload.
pub fn live_update(app: &mut App, update: LiveUpdate) -> Vec<Effect> {
    let live = app.live.get_or_insert_with(LiveState::default);
    live.spans = update.spans;
    live.exporters = update.exporters;
    let mut new = Vec::new();
    for id in update.traces.iter().copied() {
        if !live.traces.contains(&id) {
            live.traces.push(id);
            new.push(id);
        }
    }
    let follow = live.follow;
    let mut effects = vec![Effect::LoadSummaries];
    let open = app.trace.as_ref().map(|t| t.model.run().trace_id);
    if let Some(next) = new.last().copied().filter(|_| follow) {
        if open != Some(next) && app.loading != Some(next) {
            app.loading = Some(next);
            effects.push(Effect::LoadTrace(next));
            return effects;
        }
    }
    if let Some(id) = open.filter(|id| app.screen == Screen::Trace && update.traces.contains(id)) {
        if app.loading.is_none() {
            if let Some(live) = app.live.as_mut() {
                live.reloading = Some(id);
            }
            effects.push(Effect::LoadTrace(id));
        }
    }
    effects
}

/// Turns following new traces on or off.
pub fn toggle_follow(app: &mut App) {
    let live = app.live.get_or_insert_with(LiveState::default);
    live.follow = !live.follow;
    let text = if live.follow {
        "following new traces: each new one opens as it arrives (F stops)"
    } else {
        "no longer following new traces"
    };
    app.notify(Level::Info, text);
}

/// When `model` is the newer state of the open trace that a live reload asked for, puts it in
/// place keeping the view, the selection (when it still exists), the scroll and the zoom, and
/// returns `None`; otherwise gives `model` back for the normal path.
pub fn reload_in_place(app: &mut App, model: Box<TraceModel>) -> Option<Box<TraceModel>> {
    let id = model.run().trace_id;
    let pending = app.live.as_ref().and_then(|l| l.reloading) == Some(id);
    if !pending || app.loading.is_some() {
        return Some(model);
    }
    if let Some(live) = app.live.as_mut() {
        live.reloading = None;
    }
    let area = app.area;
    let Some(t) = app.trace.as_mut().filter(|t| t.model.run().trace_id == id) else {
        // The user left the trace meanwhile: nothing to refresh.
        return None;
    };
    let whole = t.window.start == 0 && t.window.span >= t.model.axis.length.max(1);
    let fresh = TraceState::new(model);
    let old = std::mem::replace(t, fresh);
    let t = app.trace.as_mut()?;
    t.view = old.view;
    t.focus = old.focus;
    t.inspector_shown = old.inspector_shown;
    t.conflicts_only = old.conflicts_only;
    t.resources = old.resources;
    t.search = old.search;
    t.finding = old
        .finding
        .filter(|f| *f < t.model.analysis().findings.len());
    t.why_step = old.why_step;
    if old.batch.is_some_and(|b| b < t.model.run().batches.len()) {
        t.batch = old.batch;
    }
    if old.selected == Item::Answer || t.model.row_of(old.selected).is_some() {
        t.selected = old.selected;
    }
    if !whole {
        t.window = old.window;
    }
    t.scroll = old.scroll;
    t.inspector.lines = inspector_lines(&t.model, t.selected);
    t.inspector.scroll = if t.selected == old.selected {
        old.inspector.scroll
    } else {
        0
    };
    let rows = trace::timeline_height(area, t);
    trace::ensure_visible(t, rows);
    None
}

/// Whether the list row for `id` is a trace that received spans live.
pub fn is_live(app: &App, id: crate::model::TraceId) -> bool {
    app.live.as_ref().is_some_and(|l| l.traces.contains(&id))
}
