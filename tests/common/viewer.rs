//! Opening a trace in the viewer's state without a terminal, as the worker would hand it over,
//! for TestBackend tests.

use ratatui::layout::Rect;

use fanout::analysis::AnalyzedTrace;
use fanout::model::Trace;
use fanout::tui::action::Action;
use fanout::tui::app::App;
use fanout::tui::keymap::Keymap;
use fanout::tui::source::LoadedTrace;
use fanout::tui::trace_model::TraceModel;
use fanout::tui::update::update;

/// The viewer at `width`×`height` with `trace` loaded and open.
pub fn open(trace: Trace, analyzed: AnalyzedTrace, width: u16, height: u16) -> App {
    let mut app = App::new(
        Rect::new(0, 0, width, height),
        Keymap::defaults().help_lines(),
    );
    app.loading = Some(analyzed.run.trace_id);
    let model = TraceModel::build(LoadedTrace {
        analyzed,
        raw: Some(trace),
    });
    update(&mut app, Action::TraceLoaded(Box::new(model)));
    app
}
