//! Drawing: one pure function of [`App`] and [`Theme`] per screen region. Views are small structs
//! borrowing the state for one frame; nothing here reads the clock, the database or runs
//! analysis, and nothing here changes state.
//!
//! ```text
//! ┌──────────────────────────────────────────────────────────────────┐
//! │ header: screen · trace id · service · counts · worst finding     │ 1 line
//! ├───────────────────────────────────────────┬──────────────────────┤
//! │ main view: trace list | timeline | batch  │ inspector            │
//! │            | resources | why              │ (trace screen, when  │
//! │                                           │  wide enough)        │
//! ├───────────────────────────────────────────┴──────────────────────┤
//! │ status line: where · selection · message · key hints | prompt    │ 1 line
//! └──────────────────────────────────────────────────────────────────┘
//! overlays: help (`?`), "too small" below 40x10
//! ```
//!
//! The geometry functions here are shared with `update`, which needs the same numbers to keep
//! the selection on screen.

pub mod batch;
pub mod diff;
pub mod help;
pub mod inspector;
pub mod resources;
pub mod timeline;
pub mod trace_list;
pub mod why;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use super::app::{App, Focus, Screen};
use super::sanitize;
use super::theme::Theme;
use super::widgets::status_line::StatusLine;

pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;
/// Below this width the inspector replaces the main view instead of sitting beside it.
pub const SIDE_BY_SIDE_WIDTH: u16 = 100;

/// The three bands of every screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScreenAreas {
    pub header: Rect,
    pub body: Rect,
    pub status: Rect,
}

pub fn screen_areas(area: Rect) -> ScreenAreas {
    let [header, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    ScreenAreas {
        header,
        body,
        status,
    }
}

/// Main view and inspector areas of the trace screen; either may be absent on a narrow terminal.
pub fn trace_panes(
    body: Rect,
    inspector_shown: bool,
    focus: Focus,
) -> (Option<Rect>, Option<Rect>) {
    if !inspector_shown {
        return (Some(body), None);
    }
    if body.width < SIDE_BY_SIDE_WIDTH {
        return match focus {
            Focus::Main => (Some(body), None),
            Focus::Inspector => (None, Some(body)),
        };
    }
    let [main, side] =
        Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(body);
    (Some(main), Some(side))
}

/// Inside of a bordered block.
pub fn inner(area: Rect) -> Rect {
    Block::new().borders(Borders::ALL).inner(area)
}

/// How many rows a scrolling list in `area` (bordered, with one header line) shows.
pub fn list_rows(area: Rect) -> usize {
    usize::from(inner(area).height.saturating_sub(1))
}

/// The main view's area for the app's current state.
pub fn main_area(app: &App) -> Option<Rect> {
    let body = screen_areas(app.area).body;
    match (&app.screen, &app.trace) {
        (Screen::Trace, Some(t)) => trace_panes(body, t.inspector_shown, t.focus).0,
        _ => Some(body),
    }
}

pub fn inspector_area(app: &App) -> Option<Rect> {
    let body = screen_areas(app.area).body;
    let t = app.trace.as_ref()?;
    trace_panes(body, t.inspector_shown, t.focus).1
}

/// Draws the whole screen.
pub fn render(app: &App, theme: &Theme, frame: &mut Frame) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = format!(
            "terminal too small: {}x{}, need {MIN_WIDTH}x{MIN_HEIGHT}",
            area.width, area.height
        );
        frame.render_widget(
            Paragraph::new(msg)
                .style(theme.warn)
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let areas = screen_areas(area);
    match (&app.screen, &app.trace, &app.diff) {
        (Screen::Diff, _, Some(state)) => {
            frame.render_widget(
                Line::styled(" fanout · compare two runs", theme.title),
                areas.header,
            );
            diff::DiffView { app, state, theme }.render(frame, areas.body);
        }
        (Screen::Trace, Some(t), _) => {
            frame.render_widget(header_line(t, theme), areas.header);
            let (main, side) = trace_panes(areas.body, t.inspector_shown, t.focus);
            if let Some(main) = main {
                let focused = t.focus == Focus::Main;
                match t.view {
                    super::app::View::Timeline => timeline::TimelineView {
                        trace: t,
                        theme,
                        focused,
                    }
                    .render(frame, main),
                    super::app::View::Batch => batch::BatchView {
                        trace: t,
                        theme,
                        focused,
                    }
                    .render(frame, main),
                    super::app::View::Resources => resources::ResourcesView {
                        trace: t,
                        theme,
                        focused,
                    }
                    .render(frame, main),
                    super::app::View::Why => why::WhyView {
                        trace: t,
                        theme,
                        focused,
                    }
                    .render(frame, main),
                }
            }
            if let Some(side) = side {
                inspector::InspectorView {
                    trace: t,
                    theme,
                    focused: t.focus == Focus::Inspector,
                }
                .render(frame, side);
            }
        }
        _ => {
            let header = match &app.live {
                Some(live) if !live.source.is_empty() => {
                    format!(" fanout · traces · live: {}", sanitize::line(&live.source))
                }
                _ => " fanout · traces".to_owned(),
            };
            frame.render_widget(Line::styled(header, theme.title), areas.header);
            trace_list::TraceListView { app, theme }.render(frame, areas.body);
        }
    }
    frame.render_widget(StatusLine { app, theme }, areas.status);
    if let Some(scroll) = app.help {
        help::HelpView {
            lines: &app.help_lines,
            scroll,
            theme,
        }
        .render(frame, areas.body);
    }
}

fn header_line<'a>(t: &'a super::app::TraceState, theme: &Theme) -> Line<'a> {
    use ratatui::text::Span;
    let run = t.model.run();
    let parallel = run.batches.iter().filter(|b| b.is_parallel()).count();
    let mut spans = vec![
        Span::styled(
            format!(" trace {}", short_id(&run.trace_id.to_hex())),
            theme.title,
        ),
        Span::styled(
            format!(
                " · {} model call{} · {} tool call{} · {parallel} parallel batch{}",
                run.model_calls.len(),
                plural(run.model_calls.len()),
                run.tool_calls.len(),
                plural(run.tool_calls.len()),
                if parallel == 1 { "" } else { "es" },
            ),
            theme.base,
        ),
    ];
    if t.model.axis.unit == super::trace_model::AxisUnit::Steps {
        spans.push(Span::styled(" · no timing: order only", theme.warn));
    }
    let findings = t.model.analysis().findings.len();
    if let Some(sev) = t.worst_severity() {
        let style = if sev == crate::analysis::Severity::Observed {
            theme.conflict
        } else {
            theme.latent
        };
        spans.push(Span::styled(
            format!(
                " · {} {findings} finding{} ({})",
                super::theme::symbols::CONFLICT,
                plural(findings),
                sev.as_str()
            ),
            style,
        ));
    }
    if let Some(session) = &run.session {
        spans.push(Span::styled(
            format!(" · {}", super::sanitize::line(&session.summary())),
            theme.dim,
        ));
    }
    Line::from(spans)
}

pub fn short_id(hex: &str) -> String {
    if hex.len() > 12 {
        format!("{}…{}", &hex[..8], &hex[hex.len() - 4..])
    } else {
        hex.to_owned()
    }
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// A bordered block titled for a pane; the focused pane's border stands out (bold, and in colour).
pub fn pane<'a>(title: impl Into<Line<'a>>, theme: &Theme, focused: bool) -> Block<'a> {
    Block::new()
        .borders(Borders::ALL)
        .border_style(if focused {
            theme.focused_border
        } else {
            theme.border
        })
        .title(title)
}
