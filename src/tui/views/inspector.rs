//! The inspector pane: the selected model call, tool call, batch or answer in full. The text is
//! built by `update` when the selection changes; this view only styles, wraps and scrolls it,
//! so long values wrap inside the pane and never overflow.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::super::app::{LineKind, TraceState};
use super::super::theme::Theme;
use super::pane;

pub struct InspectorView<'a> {
    pub trace: &'a TraceState,
    pub theme: &'a Theme,
    pub focused: bool,
}

impl InspectorView<'_> {
    pub fn render(&self, frame: &mut Frame, area: Rect) {
        let th = self.theme;
        let ins = &self.trace.inspector;
        let title = Line::from(vec![
            Span::styled(" inspector", th.title),
            Span::styled(
                if self.focused {
                    " (j/k scroll, Esc back) "
                } else {
                    " (Tab to focus) "
                },
                th.dim,
            ),
        ]);
        let block = pane(title, th, self.focused);
        // Only the lines from the scroll position on are handed to the paragraph: a huge result
        // costs what fits on screen.
        let height = usize::from(area.height);
        let lines: Vec<Line> = ins
            .lines
            .iter()
            .skip(ins.scroll)
            .take(height.max(1) * 2)
            .map(|l| {
                let style = match l.kind {
                    LineKind::Heading => th.title,
                    LineKind::Field => th.base,
                    LineKind::Text => th.base,
                    LineKind::Json => th.info,
                    LineKind::Conflict => th.conflict,
                    LineKind::Error => th.error,
                    LineKind::Dim => th.dim,
                };
                Line::styled(l.text.as_str(), style)
            })
            .collect();
        frame.render_widget(
            Paragraph::new(lines)
                .block(block)
                .wrap(Wrap { trim: false }),
            area,
        );
    }
}
