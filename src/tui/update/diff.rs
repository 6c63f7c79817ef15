//! Comparing two runs: `m` marks a trace, `D` compares the selected (or open) trace with the
//! marked one, or with the previous run of the same service. The worker loads both and computes
//! the diff; this file only decides which two, and scrolls the result.

use super::super::action::{Action, Effect};
use super::super::app::{App, DiffState, Level, Screen};
use super::super::views::short_id;
use crate::model::TraceId;

/// `m` on the list: marks the selected trace (again: unmarks it).
pub(super) fn mark(app: &mut App) {
    let Some(id) = app.list.selected_entry().map(|e| e.summary.trace_id) else {
        return;
    };
    if app.list.mark == Some(id) {
        app.list.mark = None;
        app.notify(Level::Info, "mark cleared".to_owned());
    } else {
        app.list.mark = Some(id);
        app.notify(
            Level::Info,
            format!(
                "marked {}: D on another trace compares the two",
                short_id(&id.to_hex())
            ),
        );
    }
}

/// `D`: which run to compare `b` with, and the request for the worker.
pub(super) fn start(app: &mut App, b: TraceId) -> Vec<Effect> {
    let a = match app.list.mark.filter(|m| *m != b) {
        Some(m) => m,
        None => match previous_run(app, b) {
            Some(a) => a,
            None => {
                app.notify(
                    Level::Warn,
                    "no earlier run of this service to compare with: mark one with m, then D"
                        .to_owned(),
                );
                return vec![];
            }
        },
    };
    app.notify(
        Level::Info,
        format!(
            "comparing {} with {}…",
            short_id(&a.to_hex()),
            short_id(&b.to_hex())
        ),
    );
    vec![Effect::LoadDiff(a, b)]
}

/// The newest trace of the same service (and root) that started before `b`.
fn previous_run(app: &App, b: TraceId) -> Option<TraceId> {
    let all = &app.list.all;
    let me = all.iter().find(|e| e.summary.trace_id == b)?;
    let s = &me.summary;
    all.iter()
        .map(|e| &e.summary)
        .filter(|o| o.trace_id != b && o.service == s.service)
        .filter(|o| match (o.start_unix_nano, s.start_unix_nano) {
            (Some(x), Some(y)) => x < y || (x == y && o.trace_id < b),
            _ => true,
        })
        .max_by_key(|o| (o.root_name == s.root_name, o.start_unix_nano, o.trace_id))
        .map(|o| o.trace_id)
}

/// The worker's answer.
pub(super) fn loaded(app: &mut App, mut state: DiffState) {
    state.back = match app.screen {
        Screen::Diff => app.diff.as_ref().map_or(Screen::List, |d| d.back),
        s => s,
    };
    let verdict = if state.diff.is_equivalent() {
        "the runs are equivalent"
    } else {
        "the runs differ"
    };
    app.notify(Level::Info, verdict.to_owned());
    app.diff = Some(state);
    app.screen = Screen::Diff;
}

/// Keys on the diff screen: scroll, and back to where `D` was pressed.
pub(super) fn update(app: &mut App, action: Action) -> Vec<Effect> {
    let Some(d) = app.diff.as_mut() else {
        app.screen = Screen::List;
        return vec![];
    };
    match action {
        Action::MoveDown | Action::ScrollDown { .. } => d.scroll += 1,
        Action::MoveUp | Action::ScrollUp { .. } => d.scroll = d.scroll.saturating_sub(1),
        Action::PageDown => d.scroll += 10,
        Action::PageUp => d.scroll = d.scroll.saturating_sub(10),
        Action::First => d.scroll = 0,
        Action::Back | Action::Diff => {
            app.screen = d.back;
        }
        _ => {}
    }
    vec![]
}
