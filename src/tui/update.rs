//! `update`: the only place state changes. It takes one [`Action`], changes the [`App`] and
//! returns the [`Effect`]s the loop must carry out (ask the worker for data, export). It never
//! does I/O itself, so tests drive it with plain actions.
//!
//! This file holds the dispatch, the overlays (help, prompt) and the trace list; the trace
//! screen lives in [`trace`] and [`jump`], the inspector text in [`inspect`].

mod diff;
mod handoff;
mod inspect;
mod jump;
pub mod live;
mod mouse;
mod pull;
mod trace;

use ratatui::layout::Rect;

use super::action::{Action, Effect, InputKey};
use super::app::{App, Level, LoadState, Prompt, PromptTarget, Screen, SortKey, TraceState};
use super::views;

pub use inspect::inspector_lines;

/// Applies `action` to `app`.
pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    // A key or click is a new step: the last step's message goes (the handlers set a new one).
    if action.describe().is_some()
        || matches!(
            action,
            Action::Click { .. } | Action::ScrollUp { .. } | Action::ScrollDown { .. }
        )
    {
        app.notice = None;
    }
    // Results from the worker and terminal geometry apply whatever is on screen.
    match action {
        Action::Resize { width, height } => {
            app.area = Rect::new(0, 0, width, height);
            clamp_list_scroll(app);
            if let Some(t) = app.trace.as_mut() {
                let rows = trace::timeline_height(app.area, t);
                trace::ensure_visible(t, rows);
            }
            return vec![];
        }
        Action::SummariesLoaded(list) => {
            if std::mem::take(&mut app.reloading) {
                let known: std::collections::HashSet<_> =
                    app.list.all.iter().map(|e| e.summary.trace_id).collect();
                let new = list
                    .iter()
                    .filter(|e| !known.contains(&e.summary.trace_id))
                    .count();
                let gone = known.len().saturating_sub(list.len() - new);
                app.notify(
                    Level::Info,
                    format!(
                        "reloaded: {} trace{}, {new} new{}",
                        list.len(),
                        views::plural(list.len()),
                        if gone > 0 {
                            format!(", {gone} gone")
                        } else {
                            String::new()
                        }
                    ),
                );
            }
            app.list.all = list;
            app.list.load = LoadState::Ready;
            refresh_list(app);
            return vec![];
        }
        Action::SummariesFailed(message) => {
            app.list.load = LoadState::Failed(message.clone());
            app.notify(Level::Error, format!("cannot list traces: {message}"));
            return vec![];
        }
        Action::TraceLoaded(model) => {
            let Some(model) = live::reload_in_place(app, model) else {
                return vec![];
            };
            // A load the user gave up on (went back, opened another) is dropped.
            if app.loading != Some(model.run().trace_id) {
                return vec![];
            }
            app.loading = None;
            let mut t = TraceState::new(model);
            t.inspector.lines = inspector_lines(&t.model, t.selected);
            let rows = trace::timeline_height(app.area, &t);
            trace::ensure_visible(&mut t, rows);
            app.trace = Some(t);
            app.screen = Screen::Trace;
            app.notice = None;
            // A pulled trace keeps saying where it came from.
            if let Some(done) = app.pull.opening.take() {
                if app.trace.as_ref().map(|t| t.model.run().trace_id) == Some(done.id) {
                    app.notify(Level::Info, done.message);
                }
            }
            return vec![];
        }
        Action::LoadFailed { id, message } => {
            if app.loading == Some(id) {
                app.loading = None;
                app.notify(Level::Error, format!("cannot open trace: {message}"));
            }
            return vec![];
        }
        Action::ExportFinished(result) => {
            match result {
                Ok(msg) => app.notify(Level::Info, msg),
                Err(e) => app.notify(Level::Error, format!("export failed: {e}")),
            }
            return vec![];
        }
        Action::Input(key) => return input(app, key),
        Action::Quit => {
            app.should_quit = true;
            return vec![];
        }
        Action::Live(report) => return live::live_update(app, report),
        Action::DiffLoaded(state) => {
            diff::loaded(app, *state);
            return vec![];
        }
        Action::Notice(message) => {
            app.notify(Level::Warn, message);
            return vec![];
        }
        Action::PullFinished(result) => return pull::finished(app, result),
        Action::DiffFailed(message) => {
            app.notify(Level::Error, format!("cannot compare: {message}"));
            return vec![];
        }
        Action::ToggleFollow if app.prompt.is_none() => {
            live::toggle_follow(app);
            return vec![];
        }
        Action::DatabaseChanged => {
            // A live feed of our own reloads as it receives; otherwise the list follows the
            // database quietly (the open trace reloads on `r`).
            if app.live.is_some() || app.list.load == LoadState::Loading {
                return vec![];
            }
            return vec![Effect::LoadSummaries];
        }
        Action::Reload if app.prompt.is_none() => {
            // The store may be written by another process (WAL keeps us reading meanwhile).
            let mut effects = vec![Effect::LoadSummaries];
            if let Some(id) = app.trace.as_ref().map(|t| t.model.run().trace_id) {
                app.loading = Some(id);
                effects.push(Effect::LoadTrace(id));
            }
            app.reloading = true;
            app.notify(Level::Info, "reloading from the database".to_owned());
            return effects;
        }
        _ => {}
    }
    if app.help.is_some() {
        help(app, action);
        return vec![];
    }
    if matches!(action, Action::Help) {
        app.help = Some(0);
        return vec![];
    }
    if matches!(action, Action::Pull) {
        return pull::open_prompt(app);
    }
    match (app.screen, &action) {
        (_, Action::Copy) => handoff::copy(app),
        (Screen::Trace, Action::Page) => handoff::page(app),
        (Screen::List, Action::Mark) => {
            diff::mark(app);
            vec![]
        }
        (Screen::List, Action::Diff) => match app.list.selected_entry() {
            Some(e) => {
                let id = e.summary.trace_id;
                diff::start(app, id)
            }
            None => vec![],
        },
        (Screen::Trace, Action::Diff) => match app.trace.as_ref() {
            Some(t) => {
                let id = t.model.run().trace_id;
                diff::start(app, id)
            }
            None => vec![],
        },
        (Screen::List, _) => list(app, action),
        (Screen::Trace, _) => trace::update(app, action),
        (Screen::Diff, _) => diff::update(app, action),
    }
}

fn help(app: &mut App, action: Action) {
    let Some(scroll) = app.help.as_mut() else {
        return;
    };
    let max = app.help_lines.len().saturating_sub(1);
    match action {
        Action::MoveDown | Action::ScrollDown { .. } => *scroll = (*scroll + 1).min(max),
        Action::MoveUp | Action::ScrollUp { .. } => *scroll = scroll.saturating_sub(1),
        Action::PageDown => *scroll = (*scroll + 10).min(max),
        Action::PageUp => *scroll = scroll.saturating_sub(10),
        Action::Help | Action::Back => app.help = None,
        _ => {}
    }
}

fn input(app: &mut App, key: InputKey) -> Vec<Effect> {
    let Some(prompt) = app.prompt.as_mut() else {
        return vec![];
    };
    match key {
        InputKey::Cancel => {
            if prompt.target == PromptTarget::ListFilter {
                app.list.query.clear();
                refresh_list(app);
            }
            app.prompt = None;
            return vec![];
        }
        InputKey::Submit => {
            let Some(Prompt { target, text, .. }) = app.prompt.take() else {
                return vec![];
            };
            match target {
                PromptTarget::ListFilter => {
                    app.list.query = text;
                    refresh_list(app);
                }
                PromptTarget::TraceSearch => trace::search(app, &text),
                PromptTarget::ExportPath(scope) => {
                    return trace::export(app, scope, &expand_home(&text))
                }
                PromptTarget::Pull => return pull::submit(app, &text),
                PromptTarget::PullTraceId => return pull::submit_id(app, &text),
            }
            return vec![];
        }
        edit => prompt.edit(edit),
    }
    // The list filters as you type.
    if let Some(Prompt {
        target: PromptTarget::ListFilter,
        text,
        ..
    }) = &app.prompt
    {
        app.list.query = text.clone();
        refresh_list(app);
    }
    vec![]
}

fn list(app: &mut App, action: Action) -> Vec<Effect> {
    let len = app.list.visible.len();
    let page = views::list_rows(views::screen_areas(app.area).body).max(1);
    let sel = app.list.selected;
    let select = |app: &mut App, to: usize| {
        app.list.selected = to.min(len.saturating_sub(1));
        clamp_list_scroll(app);
    };
    match action {
        Action::MoveDown | Action::ScrollDown { .. } => select(app, sel + 1),
        Action::MoveUp | Action::ScrollUp { .. } => select(app, sel.saturating_sub(1)),
        Action::PageDown => select(app, sel + page),
        Action::PageUp => select(app, sel.saturating_sub(page)),
        Action::First => select(app, 0),
        Action::Last => select(app, len.saturating_sub(1)),
        Action::Open => return open_selected(app),
        Action::Click { row, .. } => {
            let rows = views::inner(views::screen_areas(app.area).body);
            // One header line above the first trace.
            if row > rows.y && row < rows.bottom() {
                let to = app.list.scroll + usize::from(row - rows.y - 1);
                if to < len {
                    if to == sel {
                        return open_selected(app);
                    }
                    select(app, to);
                }
            }
        }
        Action::Search => {
            app.prompt = Some(Prompt::new(
                PromptTarget::ListFilter,
                app.list.query.clone(),
            ))
        }
        Action::CycleSort => {
            app.list.sort = app.list.sort.next();
            refresh_list(app);
            app.notify(Level::Info, format!("sorted: {}", app.list.sort.label()));
        }
        Action::CycleFindingFilter => {
            let mut next = app.list.filter.next();
            // Filtering by kind needs the kinds; a source that cannot tell them gets the two
            // filters that work instead of empty lists.
            let kinds_known = app.list.all.iter().any(|e| !e.finding_kinds.is_empty());
            if !kinds_known && matches!(next, super::app::FindingFilter::Kind(_)) {
                next = super::app::FindingFilter::All;
            }
            app.list.filter = next;
            refresh_list(app);
            app.notify(Level::Info, format!("showing {}", app.list.filter.label()));
        }
        Action::Back => {
            if app.loading.take().is_some() {
                app.notify(Level::Info, "loading cancelled");
            } else if !app.list.query.is_empty() {
                app.list.query.clear();
                refresh_list(app);
            }
        }
        Action::Export => app.notify(Level::Warn, "open a trace to export it"),
        _ => {}
    }
    vec![]
}

fn open_selected(app: &mut App) -> Vec<Effect> {
    let Some(id) = app.list.selected_entry().map(|e| e.summary.trace_id) else {
        return vec![];
    };
    app.loading = Some(id);
    app.notify(
        Level::Info,
        format!("loading trace {}…", views::short_id(&id.to_hex())),
    );
    vec![Effect::LoadTrace(id)]
}

/// Recomputes the visible, sorted trace list after the data, the filter or the sort changed.
pub fn refresh_list(app: &mut App) {
    let l = &mut app.list;
    let current = l.selected_entry().map(|e| e.summary.trace_id);
    let query = l.query.to_lowercase();
    let matches = |e: &super::source::TraceEntry| {
        let s = &e.summary;
        query.is_empty()
            || [
                s.service.as_deref(),
                s.root_name.as_deref(),
                s.source.as_deref(),
            ]
            .into_iter()
            .flatten()
            .any(|t| t.to_lowercase().contains(&query))
            || s.trace_id.to_hex().contains(&query)
            || e.finding_kinds
                .iter()
                .any(|k| k.as_str().contains(&query) || k.label().contains(&query))
    };
    let mut visible: Vec<usize> = (0..l.all.len())
        .filter(|i| l.filter.accepts(&l.all[*i]) && matches(&l.all[*i]))
        .collect();
    let all = |i: &usize| &l.all[*i].summary;
    match l.sort {
        SortKey::Newest => visible.sort_by_key(|i| std::cmp::Reverse(all(i).start_unix_nano)),
        SortKey::Slowest => visible.sort_by_key(|i| std::cmp::Reverse(all(i).duration_nanos)),
        SortKey::MostFindings => visible.sort_by_key(|i| {
            (
                std::cmp::Reverse(all(i).worst_severity),
                std::cmp::Reverse(all(i).findings),
            )
        }),
        SortKey::Service => visible.sort_by(|a, b| all(a).service.cmp(&all(b).service)),
    }
    l.visible = visible;
    l.selected = current
        .and_then(|id| {
            l.visible
                .iter()
                .position(|i| l.all[*i].summary.trace_id == id)
        })
        .unwrap_or(0);
    clamp_list_scroll(app);
}

fn clamp_list_scroll(app: &mut App) {
    let rows = views::list_rows(views::screen_areas(app.area).body).max(1);
    let l = &mut app.list;
    l.selected = l.selected.min(l.visible.len().saturating_sub(1));
    if l.selected < l.scroll {
        l.scroll = l.selected;
    } else if l.selected >= l.scroll + rows {
        l.scroll = l.selected + 1 - rows;
    }
    l.scroll = l.scroll.min(l.visible.len().saturating_sub(rows));
}

#[cfg(test)]
mod tests;

/// `~` or `~/…` at the start of a path typed into a prompt means the home folder, as in a shell.
pub fn expand_home(path: &str) -> String {
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty());
    match (path.strip_prefix('~'), home) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
            format!("{}{rest}", std::path::Path::new(&home).display())
        }
        _ => path.to_owned(),
    }
}
