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

#[cfg(test)]
mod tests {
    use super::super::update;
    use crate::tui::action::{Action, Effect, LiveUpdate};
    use crate::tui::app::{Screen, View};
    use crate::tui::fixtures::{self, feed};
    use crate::tui::source::LoadedTrace;
    use crate::tui::trace_model::TraceModel;

    fn report(traces: Vec<crate::model::TraceId>, spans: u64) -> Action {
        Action::Live(LiveUpdate {
            traces,
            spans,
            exporters: 1,
        })
    }

    fn loaded(analyzed: crate::analysis::AnalyzedTrace) -> Action {
        Action::TraceLoaded(Box::new(TraceModel::build(LoadedTrace {
            analyzed,
            raw: None,
        })))
    }

    #[test]
    fn the_open_trace_reloads_in_place_keeping_view_and_selection() {
        let mut app = fixtures::trace_app(120, 30);
        let id = fixtures::lost_update().run.trace_id;
        feed(
            &mut app,
            [Action::MoveDown, Action::MoveDown, Action::ShowBatch],
        );
        let t = app.trace.as_ref().unwrap();
        let (selected, scroll) = (t.selected, t.scroll);
        let effects = update(&mut app, report(vec![id], 7));
        assert_eq!(effects, vec![Effect::LoadSummaries, Effect::LoadTrace(id)]);
        assert_eq!(app.loading, None, "a live reload is not a user's load");
        update(&mut app, loaded(fixtures::lost_update()));
        let t = app.trace.as_ref().unwrap();
        assert_eq!(app.screen, Screen::Trace);
        assert_eq!(t.view, View::Batch);
        assert_eq!(t.selected, selected);
        assert_eq!(t.scroll, scroll);
        let live = app.live.as_ref().unwrap();
        assert_eq!((live.spans, live.exporters), (7, 1));
        assert_eq!(live.reloading, None);
    }

    #[test]
    fn a_reload_arriving_after_the_user_left_does_not_reopen_the_trace() {
        let mut app = fixtures::trace_app(120, 30);
        let id = fixtures::lost_update().run.trace_id;
        update(&mut app, report(vec![id], 3));
        update(&mut app, Action::Back);
        assert_eq!(app.screen, Screen::List);
        update(&mut app, loaded(fixtures::lost_update()));
        assert_eq!(app.screen, Screen::List);
        assert!(app.trace.is_none());
    }

    #[test]
    fn new_traces_open_by_themselves_only_when_following() {
        let mut app = fixtures::app(120, 30);
        let new = fixtures::trace_id(9);
        assert_eq!(
            update(&mut app, report(vec![new], 4)),
            vec![Effect::LoadSummaries]
        );
        assert!(super::is_live(&app, new));
        update(&mut app, Action::ToggleFollow);
        assert!(app.live.as_ref().unwrap().follow);
        let newer = fixtures::trace_id(10);
        assert_eq!(
            update(&mut app, report(vec![new, newer], 9)),
            vec![Effect::LoadSummaries, Effect::LoadTrace(newer)]
        );
        assert_eq!(app.loading, Some(newer));
        // A trace already seen does not steal the screen again.
        app.loading = None;
        assert_eq!(
            update(&mut app, report(vec![newer], 10)),
            vec![Effect::LoadSummaries]
        );
    }
}
