//! The TUI on the bundled sample traces (`sample-traces/`), read through the real readers and
//! analysis: every view, at every supported size, after every navigation key, draws without
//! panicking and without letting a control character through; the timeline has one row per
//! model call, batch header, lane and the answer.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use fanout::analysis::{analyze_trace, AnalyzedTrace, Catalog};
use fanout::model::Trace;
use fanout::tui::action::Action;
use fanout::tui::app::App;
use fanout::tui::theme::Theme;
use fanout::tui::trace_model::Row;
use fanout::tui::{update::update, views};

mod common;
use common::viewer::open;

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

fn sample(name: &str) -> (Trace, AnalyzedTrace) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("sample-traces")
        .join(name);
    traces(&path)
        .into_iter()
        .next()
        .expect("one trace in the sample")
}

fn screen(app: &App) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(app.area.width, app.area.height)).unwrap();
    terminal
        .draw(|f| views::render(app, &Theme::default(), f))
        .unwrap();
    terminal
}

fn run(app: &mut App, actions: impl IntoIterator<Item = Action>) {
    for a in actions {
        update(app, a);
    }
}

fn text(terminal: &Terminal<TestBackend>) -> String {
    let buf = terminal.backend().buffer();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
                + "\n"
        })
        .collect()
}

#[test]
fn lost_update_timeline_marks_both_deposits() {
    let (trace, analyzed) = sample("lost_update.otlp.json");
    let mut app = open(trace, analyzed, 100, 12);
    run(&mut app, [Action::ToggleInspector]);
    let terminal = screen(&app);
    let buf = terminal.backend().buffer();
    // Two lanes carry the conflict pattern, in the conflict style.
    let rows: Vec<u16> = (0..buf.area.height)
        .filter(|y| (0..buf.area.width).any(|x| buf[(x, *y)].symbol() == "▓"))
        .collect();
    assert_eq!(rows.len(), 2);
    assert!(buf
        .content
        .iter()
        .filter(|c| c.symbol() == "▓")
        .all(|c| c.fg == ratatui::style::Color::Red
            && c.modifier.contains(ratatui::style::Modifier::BOLD)));
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn lost_update_after_a_then_b_shows_the_batch_the_siblings_and_the_account() {
    // What the tmux end-to-end test looks for, at tmux's default size.
    let (trace, analyzed) = sample("lost_update.otlp.json");
    let mut app = open(trace, analyzed, 80, 24);
    run(&mut app, [Action::JumpToAnswer, Action::StepBack]);
    let terminal = screen(&app);
    let s = text(&terminal);
    assert!(
        s.contains("call_kR7pW2") && s.contains("call_Zf4Gm8"),
        "{s}"
    );
    assert!(
        s.contains("account:acc-1001") && s.contains("lost update"),
        "{s}"
    );
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn lost_update_batch_view() {
    let (trace, analyzed) = sample("lost_update.otlp.json");
    let mut app = open(trace, analyzed, 100, 16);
    run(
        &mut app,
        [
            Action::ToggleInspector,
            Action::NextFinding,
            Action::ShowBatch,
        ],
    );
    insta::assert_snapshot!(screen(&app).backend());
}

#[test]
fn lost_update_resource_view() {
    let (trace, analyzed) = sample("lost_update.otlp.json");
    let mut app = open(trace, analyzed, 100, 10);
    run(
        &mut app,
        [
            Action::ToggleInspector,
            Action::NextFinding,
            Action::ShowResources,
        ],
    );
    insta::assert_snapshot!(screen(&app).backend());
}

#[test]
fn lost_update_inspector_on_the_second_deposit() {
    let (trace, analyzed) = sample("lost_update.otlp.json");
    let mut app = open(trace, analyzed, 72, 40);
    run(
        &mut app,
        [Action::NextFinding, Action::MoveDown, Action::NextPane],
    );
    insta::assert_snapshot!(screen(&app).backend());
}

#[test]
fn read_only_batch_has_no_conflict_marks() {
    let (trace, analyzed) = sample("read_only_batch.otlp.json");
    let mut app = open(trace, analyzed, 100, 14);
    run(&mut app, [Action::ToggleInspector]);
    let terminal = screen(&app);
    let s = text(&terminal);
    assert!(!s.contains('‼') && !s.contains('▓'), "{s}");
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn every_sample_why_view_and_timeline_snapshot() {
    // One why view per sample that has a why path, so a change in analysis shows up here too.
    let mut seen = 0;
    for path in samples()
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".otlp.json"))
    {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .replace(".otlp.json", "");
        let (trace, analyzed) = traces(&path).into_iter().next().expect("a trace");
        if analyzed.analysis.why.steps.is_empty() {
            continue;
        }
        seen += 1;
        let mut app = open(trace, analyzed, 100, 22);
        run(
            &mut app,
            [
                Action::ToggleInspector,
                Action::JumpToAnswer,
                Action::StepBack,
            ],
        );
        insta::assert_snapshot!(format!("why_{name}"), screen(&app).backend());
    }
    assert!(seen >= 2, "the samples have why paths");
}
