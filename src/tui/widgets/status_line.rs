//! The status line at the bottom: where you are and what is selected on the left, the latest
//! notice or the open prompt, and key hints on the right (dropped first when space runs out).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::super::app::{App, Level, PromptTarget, Screen, TraceState};
use super::super::sanitize;
use super::super::theme::Theme;
use super::super::trace_model::Item;
use super::super::views::short_id;
use crate::pull::client::shown_url;

pub struct StatusLine<'a> {
    pub app: &'a App,
    pub theme: &'a Theme,
}

fn selection(t: &TraceState) -> String {
    let run = t.model.run();
    match t.selected {
        Item::Model(m) => format!("model call #{}", m + 1),
        Item::Batch(b) => run.batches.get(b).map_or("batch".into(), |b| {
            format!("batch {}", sanitize::line(&b.id))
        }),
        Item::Call(c) => run.tool_calls.get(c).map_or("call".into(), |c| {
            format!(
                "{} {}",
                sanitize::short(&c.display_id(), 20),
                sanitize::short(&c.name, 30)
            )
        }),
        Item::Answer => "final answer".into(),
    }
}

impl Widget for StatusLine<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let th = self.theme;
        let app = self.app;
        buf.set_style(area, th.status);
        if let Some(p) = &app.prompt {
            let label = match p.target {
                PromptTarget::ListFilter => "filter: ".to_owned(),
                PromptTarget::TraceSearch => "search: ".to_owned(),
                PromptTarget::ExportPath(_) => {
                    "export to (.md .svg .json .perfetto.json): ".to_owned()
                }
                PromptTarget::Pull => "pull (URL TRACE_ID): ".to_owned(),
                // The URL without credentials, already sanitized.
                PromptTarget::PullTraceId => match &app.pull.url {
                    Some(url) => format!("trace id to pull from {}: ", shown_url(url)),
                    None => "trace id to pull: ".to_owned(),
                },
            };
            let line = Line::from(vec![
                Span::styled(format!(" {label}"), th.status),
                Span::styled(
                    format!(
                        "{}▏{}",
                        sanitize::line(p.text.get(..p.cursor).unwrap_or(&p.text)),
                        sanitize::line(p.text.get(p.cursor..).unwrap_or(""))
                    ),
                    th.status,
                ),
                Span::styled("  Enter ok · Esc cancel", th.status),
            ]);
            line.render(area, buf);
            return;
        }
        let place = match (&app.screen, &app.trace) {
            (Screen::Trace, Some(t)) => {
                format!(
                    " {} › {} › {}",
                    short_id(&t.model.run().trace_id.to_hex()),
                    t.view.label(),
                    selection(t)
                )
            }
            (Screen::Diff, _) => " compare".to_owned(),
            _ => match app.loading {
                Some(id) => format!(" traces › loading {}…", short_id(&id.to_hex())),
                None => " traces".to_owned(),
            },
        };
        let hints = hints(app);
        let mut spans = vec![Span::styled(place, th.status)];
        if let Some(live) = &app.live {
            spans.push(Span::styled(
                format!(
                    " · live: {} span{} from {} exporter{}{}",
                    live.spans,
                    if live.spans == 1 { "" } else { "s" },
                    live.exporters,
                    if live.exporters == 1 { "" } else { "s" },
                    if live.follow { " · following" } else { "" }
                ),
                th.status,
            ));
        }
        if let Some((id, url)) = &app.pull.running {
            spans.push(Span::styled(
                format!(
                    " · pulling {} from {}…",
                    sanitize::line(id),
                    sanitize::line(url)
                ),
                th.status,
            ));
        }
        if let Some(n) = &app.notice {
            let style = match n.level {
                Level::Info => th.status,
                Level::Warn => th.status.patch(th.warn),
                Level::Error => th.status.patch(th.error),
            };
            spans.push(Span::styled(
                format!("  {}", sanitize::line(&n.text)),
                style,
            ));
        }
        let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
        let width = usize::from(area.width);
        if used + hints.chars().count() + 3 <= width {
            let gap = width - used - hints.chars().count() - 1;
            spans.push(Span::styled(" ".repeat(gap), th.status));
            spans.push(Span::styled(hints, th.status));
        }
        Line::from(spans).render(area, buf);
    }
}

/// Key hints for the screen, spelled with the keys of the keymap in force (an action with no key
/// is left out): `Enter open · / filter · …`.
fn hints(app: &App) -> String {
    let key = |action: &str| {
        app.help_lines
            .iter()
            .find(|l| l.action == action)
            .and_then(|l| l.keys.split(' ').next())
            .map(str::to_owned)
    };
    let wanted: &[(&[&str], &str)] = match app.screen {
        Screen::List => &[
            (&["open"], "open"),
            (&["search"], "filter"),
            (&["mark"], "mark"),
            (&["diff"], "diff"),
            (&["cycle_sort"], "sort"),
            (&["help"], "help"),
            (&["quit"], "quit"),
        ],
        Screen::Diff => &[
            (&["move_down", "move_up"], "scroll"),
            (&["back"], "back"),
            (&["help"], "help"),
            (&["quit"], "quit"),
        ],
        Screen::Trace => &[
            (&["prev_batch", "next_batch"], "batch"),
            (&["prev_finding", "next_finding"], "finding"),
            (&["jump_to_answer"], "answer"),
            (&["step_back"], "why"),
            (&["toggle_conflicts_only"], "conflicts"),
            (&["help"], "help"),
        ],
    };
    wanted
        .iter()
        .filter_map(|(actions, word)| {
            let keys: Vec<String> = actions.iter().filter_map(|a| key(a)).collect();
            (keys.len() == actions.len()).then(|| format!("{} {word}", keys.join(" ")))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}
