//! The TUI on the bundled sample traces (`sample-traces/`), read through the real readers and
//! analysis: every view, at every supported size, after every navigation key, draws without
//! panicking and without letting a control character through; the timeline has one row per
//! model call, batch header, lane and the answer.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::Terminal;

use fanout::analysis::{analyze_trace, AnalyzedTrace, Catalog};
use fanout::model::Trace;
use fanout::tui::action::Action;
use fanout::tui::app::App;
use fanout::tui::keymap::Keymap;
use fanout::tui::source::LoadedTrace;
use fanout::tui::theme::Theme;
use fanout::tui::trace_model::{Row, TraceModel};
use fanout::tui::{update::update, views};

fn samples() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-traces");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("sample-traces/ is part of the repository")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.ends_with(".otlp.json") || name.ends_with(".native.jsonl")
        })
        .collect();
    files.sort();
    files
}

fn traces(path: &Path) -> Vec<(Trace, AnalyzedTrace)> {
    let spans =
        fanout::ingest::load_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut by_trace: BTreeMap<_, Vec<_>> = BTreeMap::new();
    for s in spans {
        by_trace.entry(s.trace_id).or_default().push(s);
    }
    by_trace
        .into_iter()
        .map(|(id, spans)| {
            let trace = Trace::new(id, spans);
            let analyzed = analyze_trace(&trace, &Catalog::default());
            (trace, analyzed)
        })
        .collect()
}

fn open(trace: Trace, analyzed: AnalyzedTrace, width: u16, height: u16) -> App {
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

fn keys() -> Vec<Action> {
    use Action::*;
    vec![
        MoveDown,
        MoveDown,
        MoveDown,
        MoveRight,
        ZoomIn,
        ZoomIn,
        PanRight,
        ZoomOut,
        NextBatch,
        PrevBatch,
        NextFinding,
        PrevFinding,
        ToggleConflictsOnly,
        ToggleConflictsOnly,
        ShowBatch,
        MoveDown,
        ShowResources,
        MoveRight,
        ToggleScope,
        ShowWhy,
        JumpToAnswer,
        StepBack,
        StepBack,
        StepBack,
        Open,
        NextPane,
        PageDown,
        Back,
        Last,
        Help,
        Back,
        Search,
    ]
}

#[test]
fn every_sample_draws_in_every_view_at_every_size() {
    let files = samples();
    assert!(!files.is_empty());
    let theme = Theme::default();
    for path in files {
        for (trace, analyzed) in traces(&path) {
            let run = analyzed.run.clone();
            for (w, h) in [(40, 10), (80, 24), (200, 50)] {
                let mut app = open(trace.clone(), analyzed.clone(), w, h);
                let t = app.trace.as_ref().expect("the trace opened");
                let lanes: usize = t.model.batch_lanes.iter().map(Vec::len).sum();
                let lane_rows = t
                    .model
                    .rows
                    .iter()
                    .filter(|r| matches!(r, Row::Lane { .. }))
                    .count();
                assert!(lane_rows >= lanes, "{}", path.display());
                assert_eq!(
                    t.model
                        .rows
                        .iter()
                        .filter(|r| matches!(r, Row::Model(_)))
                        .count(),
                    run.model_calls.len()
                );
                assert_eq!(
                    t.model
                        .rows
                        .iter()
                        .filter(|r| matches!(r, Row::BatchHeader(_)))
                        .count(),
                    run.batches.len()
                );
                let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
                for key in keys() {
                    update(&mut app, key);
                    terminal.draw(|f| views::render(&app, &theme, f)).unwrap();
                    let buf = terminal.backend().buffer();
                    assert!(
                        buf.content
                            .iter()
                            .all(|c| !c.symbol().chars().any(char::is_control)),
                        "{}: control character on screen",
                        path.display()
                    );
                }
            }
        }
    }
}
