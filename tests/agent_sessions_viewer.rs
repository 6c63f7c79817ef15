//! The viewer on coding-agent sessions, drawn with ratatui's TestBackend: the header names the
//! agent, version, project and branch; the batch of two parallel edits of one file shows the
//! lost edit; the parallel shell calls of a Codex rollout show what each command wrote.

use std::path::PathBuf;

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use fanout::analysis::{analyze_trace, Catalog};
use fanout::ingest::{read_any, OnInvalid, VecSink};
use fanout::model::Trace;
use fanout::tui::action::Action;
use fanout::tui::app::App;
use fanout::tui::theme::Theme;
use fanout::tui::{update::update, views};

mod common;

fn open(name: &str, width: u16, height: u16) -> App {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/agent_sessions")
        .join(name);
    let mut sink = VecSink::default();
    read_any(
        &path.display().to_string(),
        std::fs::File::open(&path).unwrap(),
        None,
        OnInvalid::Fail,
        &mut sink,
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    let trace = Trace::new(sink.spans[0].trace_id, sink.spans);
    let analyzed = analyze_trace(&trace, &Catalog::default());
    common::viewer::open(trace, analyzed, width, height)
}

fn screen(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(app.area.width, app.area.height)).unwrap();
    terminal
        .draw(|f| views::render(app, &Theme::default(), f))
        .unwrap();
    let buf = terminal.backend().buffer();
    (0..buf.area.height)
        .map(|y| {
            let row: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
            row.trim_end().to_owned() + "\n"
        })
        .collect()
}

#[test]
fn a_claude_code_lost_edit_in_the_timeline_and_the_batch_view() {
    let mut app = open("claude-code/2.0.65_parallel_edit_conflict.jsonl", 140, 24);
    let timeline = screen(&app);
    assert!(
        timeline.contains("claude-code 2.0.65 · /home/dev/shop (main)"),
        "{timeline}"
    );
    insta::assert_snapshot!("claude_code_edit_timeline", timeline);
    update(&mut app, Action::ShowBatch);
    let batch = screen(&app);
    insta::assert_snapshot!("claude_code_edit_batch", batch);
}

#[test]
fn a_codex_rollout_shows_what_each_parallel_command_wrote() {
    let mut app = open("codex/0.77.0_parallel_shell.jsonl", 140, 24);
    update(&mut app, Action::ShowResources);
    let resources = screen(&app);
    insta::assert_snapshot!("codex_shell_resources", resources);
}
