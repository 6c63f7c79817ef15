//! The trace list: every stored trace with its short id, start, service, the input it came from,
//! duration, counts and a badge for its worst finding. Narrow terminals keep the id, a short
//! start and the source and drop the counts. Only the rows in the scroll window are built each
//! frame.
//!
//! ```text
//! ┌ traces · 3 of 12 · newest first · only traces with findings · filter "bank" ┐
//! │    id       start (UTC)          service     source      duration  model …   │
//! │▶‼  9b2e7d4c 2025-11-21 04:40:00  bank-agent  run-2.json  2.90s     4     …   │
//! └────────────────────────────────────────────────────────────────────────────┘
//! ```

use crate::units;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};
use ratatui::Frame;

use crate::analysis::Severity;

use super::super::app::{App, LoadState};
use super::super::sanitize;
use super::super::source::TraceEntry;
use super::super::theme::{symbols, Theme};
use super::{inner, list_rows, pane};

pub struct TraceListView<'a> {
    pub app: &'a App,
    pub theme: &'a Theme,
}

/// Whether the list is wide enough for every column.
fn wide(width: u16) -> bool {
    width >= 96
}

/// Whether the list has room for the start time and the source beside the service (an 80-column
/// terminal does).
fn medium(width: u16) -> bool {
    width >= 64
}

/// A trace id as the list shows it: `9b2e…d3c4`, head and tail so that runs whose ids share a
/// prefix still differ, and pasteable into `fanout show` as it is.
pub fn list_id(hex: &str) -> String {
    match (hex.get(..4), hex.get(hex.len().saturating_sub(4)..)) {
        (Some(h), Some(t)) if hex.len() > 9 => format!("{h}…{t}"),
        _ => hex.to_owned(),
    }
}

impl TraceListView<'_> {
    pub fn render(&self, frame: &mut Frame, area: Rect) {
        let th = self.theme;
        let l = &self.app.list;
        let mut title = vec![Span::styled(
            format!(" traces · {} of {}", l.visible.len(), l.all.len()),
            th.title,
        )];
        title.push(Span::styled(
            format!(" · {} · {}", l.sort.label(), l.filter.label()),
            th.base,
        ));
        if !l.query.is_empty() {
            title.push(Span::styled(
                format!(" · filter \"{}\"", sanitize::short(&l.query, 30)),
                th.matched,
            ));
        }
        title.push(Span::raw(" "));
        let block = pane(Line::from(title), th, true);
        let body = inner(area);
        let message = match &l.load {
            LoadState::Loading => Some(("loading traces…".to_owned(), th.dim)),
            LoadState::Failed(e) => Some((
                format!("cannot list traces: {}", sanitize::line(e)),
                th.error,
            )),
            LoadState::Ready if l.all.is_empty() => Some((
                "no traces stored yet: run `fanout ingest FILE…` or open files with `fanout FILE…`"
                    .to_owned(),
                th.dim,
            )),
            LoadState::Ready if l.visible.is_empty() => Some((
                "no trace matches the filter (Esc clears it, f changes it)".to_owned(),
                th.dim,
            )),
            LoadState::Ready => None,
        };
        frame.render_widget(block, area);
        if let Some((text, style)) = message {
            frame.render_widget(
                Paragraph::new(text).style(style).wrap(Wrap { trim: true }),
                body,
            );
            return;
        }
        let rows_fit = list_rows(area);
        let wide = wide(body.width);
        let medium = medium(body.width);
        let rows: Vec<Row> = l
            .visible
            .iter()
            .skip(l.scroll)
            .take(rows_fit)
            .filter_map(|i| l.all.get(*i))
            .map(|e| self.row(e, wide, medium))
            .collect();
        let header: Vec<&str> = if wide {
            vec![
                "",
                "id",
                "start (UTC)",
                "service",
                "source",
                "duration",
                "spans",
                "model",
                "tools",
                "batches",
                "findings",
            ]
        } else if medium {
            vec![
                "", "id", "start", "service", "source", "duration", "tools", "findings",
            ]
        } else {
            vec!["", "id", "service", "duration", "tools", "findings"]
        };
        let widths: Vec<Constraint> = if wide {
            vec![
                Constraint::Length(2),
                Constraint::Length(10),
                Constraint::Length(19),
                Constraint::Fill(2),
                Constraint::Fill(3),
                Constraint::Length(8),
                Constraint::Length(6),
                Constraint::Length(5),
                Constraint::Length(5),
                Constraint::Length(7),
                Constraint::Length(8),
            ]
        } else if medium {
            vec![
                Constraint::Length(2),
                Constraint::Length(10),
                Constraint::Length(11),
                Constraint::Fill(1),
                Constraint::Fill(2),
                Constraint::Length(8),
                Constraint::Length(5),
                Constraint::Length(8),
            ]
        } else {
            vec![
                Constraint::Length(2),
                Constraint::Length(10),
                Constraint::Fill(1),
                Constraint::Length(8),
                Constraint::Length(5),
                Constraint::Length(8),
            ]
        };
        let table = Table::new(rows, widths)
            .header(Row::new(header).style(th.dim))
            .row_highlight_style(th.selected)
            .highlight_symbol(symbols::CURSOR)
            .column_spacing(1);
        // A fresh state each frame: the offset is already applied by skipping rows above.
        let mut state =
            TableState::default().with_selected(Some(l.selected.saturating_sub(l.scroll)));
        frame.render_stateful_widget(table, body, &mut state);
    }

    fn row(&self, e: &TraceEntry, wide: bool, medium: bool) -> Row<'static> {
        let th = self.theme;
        let s = &e.summary;
        let (badge, style) = match s.worst_severity {
            Some(Severity::Observed) => (symbols::CONFLICT, th.conflict),
            Some(Severity::Latent) => (symbols::LATENT, th.latent),
            Some(Severity::Info) => ("i", th.info),
            None => (" ", th.base),
        };
        // Traces receiving spans live carry a dot beside their badge.
        let badge = if super::super::update::live::is_live(self.app, s.trace_id) {
            format!("{badge}{}", symbols::LIVE)
        } else {
            badge.to_owned()
        };
        let service = sanitize::line(s.service.as_deref().unwrap_or("?")).into_owned();
        let duration = s
            .duration_nanos
            .map_or("untimed".to_owned(), units::duration);
        let findings = if s.findings == 0 {
            "-".to_owned()
        } else {
            s.findings.to_string()
        };
        let id = s.trace_id.to_string();
        let marked = self.app.list.mark == Some(s.trace_id);
        // The trace marked with `m` carries a `*` until it is compared.
        let id = format!("{}{}", list_id(&id), if marked { "*" } else { "" });
        let source = source_label(s.source.as_deref());
        let start = s.start_unix_nano;
        let cells: Vec<Cell> = if wide {
            vec![
                Cell::from(Span::styled(badge, style)),
                Cell::from(Span::styled(
                    id.clone(),
                    if marked { th.matched } else { th.dim },
                )),
                Cell::from(start.map_or("untimed".to_owned(), |t| fmt_start(t, false))),
                Cell::from(service),
                Cell::from(source),
                Cell::from(duration),
                Cell::from(s.span_count.to_string()),
                Cell::from(s.model_calls.to_string()),
                Cell::from(s.tool_calls.to_string()),
                Cell::from(s.parallel_batches.to_string()),
                Cell::from(Span::styled(findings, style)),
            ]
        } else if medium {
            vec![
                Cell::from(Span::styled(badge, style)),
                Cell::from(Span::styled(
                    id.clone(),
                    if marked { th.matched } else { th.dim },
                )),
                Cell::from(start.map_or("untimed".to_owned(), |t| fmt_start(t, true))),
                Cell::from(service),
                Cell::from(source),
                Cell::from(duration),
                Cell::from(s.tool_calls.to_string()),
                Cell::from(Span::styled(findings, style)),
            ]
        } else {
            vec![
                Cell::from(Span::styled(badge, style)),
                Cell::from(Span::styled(
                    id.clone(),
                    if marked { th.matched } else { th.dim },
                )),
                Cell::from(service),
                Cell::from(duration),
                Cell::from(s.tool_calls.to_string()),
                Cell::from(Span::styled(findings, style)),
            ]
        };
        Row::new(cells)
    }
}

/// `2025-11-21 04:40:00` (or `11-21 04:40` when `short`) from nanoseconds since the epoch (UTC).
fn fmt_start(nanos: u64, short: bool) -> String {
    let format = if short {
        "%m-%d %H:%M"
    } else {
        "%Y-%m-%d %H:%M:%S"
    };
    i64::try_from(nanos)
        .ok()
        .map(chrono::DateTime::from_timestamp_nanos)
        .map_or("?".to_owned(), |t| t.format(format).to_string())
}

/// The input a trace came from, as its file name (the folder rarely tells two runs apart);
/// `stdin` for `-`, `-` when unknown.
pub fn source_label(source: Option<&str>) -> String {
    match source {
        None => "-".to_owned(),
        Some("-") => "stdin".to_owned(),
        Some(path) => {
            let name = path
                .trim_end_matches(['/', '\\'])
                .rsplit(['/', '\\'])
                .next()
                .filter(|n| !n.is_empty())
                .unwrap_or(path);
            sanitize::line(name).into_owned()
        }
    }
}
