//! End to end, as a person uses it: the real binary runs in tmux on the lost-update sample, the
//! test presses `a` (the final answer) then `b` (step back toward its batch) and reads the screen
//! with `tmux capture-pane`. Skips, saying so, when tmux is not installed (`.ci/run` installs it; under CI=true it fails).

use std::path::PathBuf;
use std::process::Command;

mod common;
use common::tmux::Tmux;

#[test]
fn answer_then_step_back_shows_the_batch_with_both_conflicting_calls_and_the_resource() {
    if !common::tmux::available(
        "answer_then_step_back_shows_the_batch_with_both_conflicting_calls_and_the_resource",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sample =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-traces/lost_update.otlp.json");
    let command = format!(
        "env NO_COLOR=1 TERM=xterm-256color '{}' --db '{}' '{}'; sleep 30",
        env!("CARGO_BIN_EXE_fanout"),
        dir.path().join("e2e.db").display(),
        sample.display()
    );
    let tmux = Tmux::start(dir.path(), "fanout-e2e", (120, 36), &command);
    let opened = tmux.screen_with("timeline");
    assert!(
        opened.contains("deposit"),
        "the trace did not open:\n{opened}"
    );

    tmux.keys("a");
    // The timeline lists the final answer from the start: wait for what only `a` shows.
    tmux.screen_with("press b to step back");
    tmux.keys("b");
    let why = tmux.screen_until(|s| {
        s.contains("why · step")
            && s.lines()
                .any(|l| l.contains("account:acc-1001") && l.matches("RW").count() == 2)
    });
    // The why view (not just the answer's inspector) is open, stepped back to the batch: both
    // conflicting siblings, the resource they share with each one's R/W mark, and the finding.
    assert!(
        why.contains("why · step"),
        "the why view did not open:\n{why}"
    );
    assert!(why.contains("batch b1"), "no batch on screen:\n{why}");
    let matrix_row = why
        .lines()
        .find(|l| l.contains("account:acc-1001") && l.contains("RW"));
    assert!(
        matrix_row.is_some_and(|l| l.matches("RW").count() == 2),
        "both calls must mark the account RW:\n{why}"
    );
    assert!(
        why.contains("call_kR7pW2nX") && why.contains("call_Zf4Gm8Qa"),
        "both deposits must show:\n{why}"
    );
    assert!(
        why.contains("account:acc-1001"),
        "the shared resource must show:\n{why}"
    );
    assert!(
        why.contains("lost update"),
        "the finding must be named in words:\n{why}"
    );
    tmux.keys("q");
}

/// A viewer open on a database follows what other processes store in it: another `fanout
/// ingest` adds a trace, and the list shows it without a key press.
#[test]
fn the_list_follows_what_another_process_stores() {
    if !common::tmux::available("the_list_follows_what_another_process_stores") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared.db");
    let samples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-traces");
    let ingest = |name: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_fanout"))
            .arg("--db")
            .arg(&db)
            .arg("ingest")
            .arg(samples.join(name))
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    };
    ingest("clean_sequential.otlp.json");
    let command = format!(
        "env NO_COLOR=1 TERM=xterm-256color '{}' --db '{}'; sleep 30",
        env!("CARGO_BIN_EXE_fanout"),
        db.display()
    );
    let tmux = Tmux::start(dir.path(), "fanout-follow", (140, 30), &command);
    let before = tmux.screen_with("1 of 1");
    assert!(!before.contains("lost_update"), "{before}");
    ingest("lost_update.otlp.json");
    let after = tmux.screen_with("2 of 2");
    assert!(
        after.contains("lost_update.otlp.json"),
        "the new trace is listed:\n{after}"
    );
}
