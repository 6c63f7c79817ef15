//! End to end, as a person uses it (issue 14): two runs of one agent in a database, the real
//! viewer in tmux. The list tells the two apart (id and file), `D` on the rerun compares it with
//! the previous run and names the first divergence with both sides' values, `Esc` returns, and
//! `/` finds calls by the account they touch. Skips, saying so, when tmux is not installed (under CI=true it fails).

use std::path::Path;

mod common;
use common::tmux::Tmux;
use common::{fanout_in, sample, text};

#[test]
fn d_compares_a_rerun_with_the_previous_run_and_slash_searches_the_opened_trace() {
    if !common::tmux::available(
        "d_compares_a_rerun_with_the_previous_run_and_slash_searches_the_opened_trace",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("runs.db");
    let out = fanout_in(
        dir.path(),
        Some(&db),
        &[
            "ingest",
            &sample("lost_update.otlp.json"),
            &sample("lost_update_rerun.otlp.json"),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let home = dir.path().display();
    let command = format!(
        "env HOME='{home}' XDG_DATA_HOME='{home}/data' NO_COLOR=1 TERM=xterm-256color '{}' --db '{}'; sleep 30",
        env!("CARGO_BIN_EXE_fanout"),
        Path::new(&db).display(),
    );
    let tmux = Tmux::start(dir.path(), "fanout-compare", (80, 24), &command);
    let list = tmux.screen_with("lost_update.otlp");
    // Two runs of the same agent: the short ids and the files tell them apart.
    assert!(
        list.contains("9b2e…d3c4") && list.contains("9b2e…d3c5"),
        "{list}"
    );
    assert!(list.contains("lost_update_rerun"), "{list}");
    assert!(
        list.contains("11-03 14:"),
        "start time at 80 columns: {list}"
    );
    assert!(list.contains("D diff"), "key hints: {list}");

    // The rerun is newest, so selected: D compares it with the previous run of the service.
    tmux.keys("D");
    let diff = tmux.screen_with("first divergence");
    assert!(diff.contains("first divergence: batch b1"), "{diff}");
    assert!(
        diff.contains("new_balance=120") && diff.contains("new_balance=130"),
        "both sides' values:\n{diff}"
    );
    assert!(diff.contains("final answer"), "{diff}");

    tmux.keys("Escape");
    tmux.screen_with("newest first");
    tmux.keys("Enter");
    tmux.screen_with("timeline");
    tmux.keys("/");
    tmux.screen_with("search:");
    tmux.keys("acc-1001");
    tmux.keys("Enter");
    let found = tmux.screen_with("match 1/");
    assert!(found.contains("match 1/"), "{found}");
    tmux.keys("/");
    tmux.screen_with("search:");
    tmux.keys("zzqq");
    tmux.keys("Enter");
    let none = tmux.screen_with("no match");
    assert!(none.contains("no match for \"zzqq\""), "{none}");
}
