//! `fanout sessions` at a terminal, as a person uses it: the real binary runs in tmux over a
//! home folder holding a Claude Code and a Codex session; the list shows both, `j` moves to the
//! second, Enter stores it and opens it in the viewer. Skips, saying so, when tmux is not
//! installed (`.ci/run` installs it).

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::tmux::Tmux;

fn copy(fixture: &str, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    let from = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/agent_sessions")
        .join(fixture);
    std::fs::copy(from, to).unwrap();
}

#[test]
fn enter_opens_the_selected_session_in_the_viewer() {
    if !common::tmux::available("enter_opens_the_selected_session_in_the_viewer") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let claude = home.join(".claude/projects/-home-dev-shop/s-1.jsonl");
    copy("claude-code/2.0.65_parallel_edit_conflict.jsonl", &claude);
    let codex = home.join(".codex/sessions/2026/11/10/rollout-2026-11-10T14-00-00-019b.jsonl");
    copy("codex/0.77.0_parallel_shell.jsonl", &codex);
    // The Claude Code session is the older one, so it is second in the list.
    let old = std::fs::File::options().write(true).open(&claude).unwrap();
    old.set_modified(std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000))
        .unwrap();
    drop(old);
    let db = dir.path().join("s.db");
    let command = format!(
        "env HOME='{}' XDG_DATA_HOME='{}' NO_COLOR=1 TERM=xterm-256color '{}' sessions --db '{}'; sleep 30",
        home.display(),
        dir.path().join("data").display(),
        env!("CARGO_BIN_EXE_fanout"),
        db.display()
    );
    let tmux = Tmux::start(dir.path(), "fanout-sessions", (140, 30), &command);
    let list = tmux.screen_with("Enter open");
    assert!(list.contains("coding-agent sessions"), "{list}");
    let codex_row = list.find("codex").expect("codex listed");
    let claude_row = list.find("claude-code").expect("claude listed");
    assert!(codex_row < claude_row, "newest first:\n{list}");
    assert!(list.contains("/home/dev/shop (feature/tax)"), "{list}");

    tmux.keys("j");
    tmux.keys("Enter");
    let opened = tmux.screen_with("timeline");
    assert!(
        opened.contains("claude-code 2.0.65 · /home/dev/shop (main)"),
        "the chosen session did not open:\n{opened}"
    );
    assert!(opened.contains("Edit"), "{opened}");
    tmux.keys("q");

    let out = Command::new(env!("CARGO_BIN_EXE_fanout"))
        .args(["list", "--json", "--db"])
        .arg(&db)
        .env("HOME", &home)
        .output()
        .unwrap();
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
}
