//! Coding-agent session logs (Claude Code, Codex CLI, Gemini CLI): every fixture ingests with
//! its format detected, batches are rebuilt from split responses, results join by id, times are
//! recovered from line timestamps, and the file/shell tools' accesses lead to the findings the
//! fixtures' ground truth names (tests/fixtures/agent_sessions/README.md).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fanout::analysis::{analyze_trace, catalog::Catalog, AnalyzedTrace, FindingKind};
use fanout::ingest::{read_any, Format, OnInvalid, VecSink};
use fanout::model::{Span, Timing, Trace};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/agent_sessions")
        .join(name)
}

fn load(name: &str) -> (Format, Vec<Span>) {
    let path = fixture(name);
    let file = std::fs::File::open(&path).unwrap();
    let mut sink = VecSink::default();
    let (format, _) = read_any(
        &path.display().to_string(),
        file,
        None,
        OnInvalid::Fail,
        &mut sink,
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    (format, sink.spans)
}

fn analyzed(name: &str) -> (Vec<Span>, AnalyzedTrace) {
    let (_, spans) = load(name);
    let trace = Trace::new(spans[0].trace_id, spans.clone());
    (spans, analyze_trace(&trace, &Catalog::default()))
}

/// The accesses of the call with this id, as `mode resource`.
fn accesses(a: &AnalyzedTrace, call_id: &str) -> Vec<String> {
    let i = a
        .run
        .tool_calls
        .iter()
        .position(|c| c.call_id.as_deref() == Some(call_id))
        .unwrap_or_else(|| panic!("no call {call_id}"));
    a.analysis.accesses[i]
        .iter()
        .map(|x| format!("{} {}", x.mode.as_str(), x.resource))
        .collect()
}

#[test]
fn every_fixture_and_every_foreign_example_ingests_with_its_format() {
    let cases = [
        (
            "claude-code/2.1.263_split_response.jsonl",
            Format::ClaudeCode,
        ),
        (
            "claude-code/2.0.65_parallel_edit_conflict.jsonl",
            Format::ClaudeCode,
        ),
        (
            "claude-code/2.1.90_build_during_edit.jsonl",
            Format::ClaudeCode,
        ),
        ("claude-code/2.1.100_interrupted.jsonl", Format::ClaudeCode),
        ("claude-code/2.1.100_compacted.jsonl", Format::ClaudeCode),
        ("claude-code/2.1.31_sidechain/s-2.jsonl", Format::ClaudeCode),
        (
            "claude-code/2.1.31_sidechain/s-2/subagents/agent-a7f3.jsonl",
            Format::ClaudeCode,
        ),
        ("codex/0.77.0_parallel_shell.jsonl", Format::CodexCli),
        ("codex/0.40.0_apply_patch.jsonl", Format::CodexCli),
        ("codex/2025-05_unenveloped.jsonl", Format::CodexCli),
        ("gemini/0.41.0_session.jsonl", Format::GeminiCli),
        ("gemini/0.4.0_session.json", Format::GeminiCli),
        ("foreign/simonw__sample_session.jsonl", Format::ClaudeCode),
        ("foreign/simonw__sample_session.json", Format::ClaudeCode),
        (
            "foreign/daaain__representative_messages.jsonl",
            Format::ClaudeCode,
        ),
        (
            "foreign/simonw__sample_codex_session.jsonl",
            Format::CodexCli,
        ),
    ];
    for (name, format) in cases {
        let (got, spans) = load(name);
        assert_eq!(got, format, "{name}");
        // simonw's Codex sample holds user messages and turn settings only: no model output,
        // so its trace is the root span alone.
        let least = if name.contains("sample_codex") { 1 } else { 2 };
        assert!(spans.len() >= least, "{name}: {} spans", spans.len());
    }
}

#[test]
fn a_split_response_is_one_batch_with_recovered_times() {
    let (spans, a) = analyzed("claude-code/2.1.263_split_response.jsonl");
    assert_eq!(a.run.timing, Timing::Recovered);
    let parallel: Vec<_> = a.run.batches.iter().filter(|b| b.is_parallel()).collect();
    assert_eq!(parallel.len(), 1);
    let ids: Vec<_> = parallel[0]
        .calls
        .iter()
        .map(|&i| a.run.tool_calls[i].call_id.clone().unwrap())
        .collect();
    assert_eq!(ids, ["toolu_R1", "toolu_R2"]);
    // Read R1: emitted 09:00:02.700, result 09:00:02.760.
    let r1 = &a.run.tool_calls[parallel[0].calls[0]];
    let (s, e) = (r1.start_unix_nano.unwrap(), r1.end_unix_nano.unwrap());
    assert_eq!(e - s, 60_000_000);
    assert!(a.analysis.findings.is_empty());
    let root = &spans[0];
    assert_eq!(root.attr_str("fanout.session.cwd"), Some("/home/dev/shop"));
    assert_eq!(root.attr_str("fanout.session.git_branch"), Some("main"));
    assert_eq!(root.attr_str("fanout.agent.version"), Some("2.1.263"));
    assert_eq!(
        root.attr_str("gen_ai.request.model"),
        Some("claude-sonnet-4-5")
    );
    assert_eq!(root.name, "/home/dev/shop (main)");
}

#[test]
fn two_parallel_edits_of_one_file_are_a_lost_edit() {
    let (_, a) = analyzed("claude-code/2.0.65_parallel_edit_conflict.jsonl");
    assert_eq!(a.analysis.findings.len(), 1, "{:#?}", a.analysis.findings);
    let f = &a.analysis.findings[0];
    assert_eq!(f.kind, FindingKind::SharedStateMutation);
    assert_eq!(f.resource, "file:/home/dev/shop/src/order.rs");
}

#[test]
fn a_test_run_beside_an_edit_reads_what_the_edit_writes() {
    let (spans, a) = analyzed("claude-code/2.1.90_build_during_edit.jsonl");
    assert!(accesses(&a, "toolu_T2").contains(&"read file:/home/dev/shop".to_owned()));
    let f = a
        .analysis
        .findings
        .iter()
        .find(|f| f.resource.contains("money.rs") || f.resource == "file:/home/dev/shop")
        .unwrap_or_else(|| panic!("{:#?}", a.analysis.findings));
    assert_eq!(f.kind, FindingKind::SharedStateMutation);
    let cancelled = spans
        .iter()
        .find(|s| s.attr_str("gen_ai.tool.call.id") == Some("toolu_U2"))
        .unwrap();
    assert_eq!(
        cancelled.attr_str("error.type"),
        Some("cancelled_by_sibling")
    );
}

#[test]
fn an_interrupted_call_was_not_executed_and_a_replay_is_not_counted_twice() {
    let (_, a) = analyzed("claude-code/2.1.100_interrupted.jsonl");
    let i2 = a
        .run
        .tool_calls
        .iter()
        .find(|c| c.call_id.as_deref() == Some("toolu_I2"))
        .unwrap();
    assert_eq!(i2.status, fanout::model::CallStatus::NotExecuted);
    let (_, c) = analyzed("claude-code/2.1.100_compacted.jsonl");
    assert_eq!(c.run.tool_calls.len(), 2);
}

#[test]
fn a_subagent_is_linked_to_the_call_that_started_it() {
    let (_, main) = load("claude-code/2.1.31_sidechain/s-2.jsonl");
    let task = main
        .iter()
        .find(|s| s.attr_str("gen_ai.tool.call.id") == Some("toolu_TASK"))
        .unwrap();
    assert_eq!(task.attr_str("fanout.subagent.id"), Some("a7f3"));
    let (_, side) = load("claude-code/2.1.31_sidechain/s-2/subagents/agent-a7f3.jsonl");
    let root = &side[0];
    assert_eq!(
        root.attr_str("fanout.session.parent_call_id"),
        Some("toolu_TASK")
    );
    assert_eq!(root.attr_str("fanout.session.subagent_id"), Some("a7f3"));
    assert_eq!(root.attr_str("fanout.session.parent_id"), Some("s-2"));
}

#[test]
fn an_unsupported_version_names_the_agent_and_what_it_could_not_read() {
    let path = fixture("claude-code/9.0.0_unsupported.jsonl");
    let mut sink = VecSink::default();
    let err = read_any(
        "x.jsonl",
        std::fs::File::open(path).unwrap(),
        None,
        OnInvalid::Fail,
        &mut sink,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("Claude Code log (9.0.0)"), "{err}");
    assert!(err.contains("without a `message` object"), "{err}");
    assert!(!err.contains("has no string 'role'"), "{err}");
}

#[test]
fn parallel_codex_shell_calls_show_what_each_command_wrote() {
    let (_, a) = analyzed("codex/0.77.0_parallel_shell.jsonl");
    assert_eq!(a.run.timing, Timing::Recovered);
    let g1 = accesses(&a, "call_G1");
    assert!(
        g1.contains(&"write file:/home/dev/shop/out/report.txt".to_owned()),
        "{g1:?}"
    );
    assert!(
        g1.contains(&"read file:/home/dev/shop/gen.py".to_owned()),
        "{g1:?}"
    );
    let g2 = accesses(&a, "call_G2");
    assert!(
        g2.contains(&"read file:/home/dev/shop/out/report.txt".to_owned()),
        "{g2:?}"
    );
    let g3 = accesses(&a, "call_G3");
    assert!(
        g3.contains(&"write file:/home/dev/shop/out/snap".to_owned()),
        "{g3:?}"
    );
    assert!(
        g3.contains(&"read file:/home/dev/shop/fixtures".to_owned()),
        "{g3:?}"
    );
    assert!(a
        .analysis
        .findings
        .iter()
        .any(|f| f.resource == "file:/home/dev/shop/out/report.txt"));
}

#[test]
fn a_codex_patch_names_the_files_it_updates_and_adds() {
    let (_, a) = analyzed("codex/0.40.0_apply_patch.jsonl");
    assert_eq!(
        accesses(&a, "call_P1"),
        [
            "read_write file:/home/dev/shop/src/tax.rs",
            "write file:/home/dev/shop/src/tax_table.rs"
        ]
    );
    assert!(accesses(&a, "call_P2").contains(&"read file:/home/dev/shop".to_owned()));
}

#[test]
fn gemini_batches_keep_the_last_copy_of_a_message_and_no_times() {
    let (_, a) = analyzed("gemini/0.41.0_session.jsonl");
    assert_eq!(a.run.timing, Timing::Absent);
    let parallel: Vec<_> = a.run.batches.iter().filter(|b| b.is_parallel()).collect();
    assert_eq!(parallel.len(), 1);
    let failed = a
        .run
        .tool_calls
        .iter()
        .find(|c| c.call_id.as_deref() == Some("run_shell_command__2"))
        .unwrap();
    assert_eq!(failed.status, fanout::model::CallStatus::Error);
    let (_, old) = analyzed("gemini/0.4.0_session.json");
    assert_eq!(
        old.analysis.findings.len(),
        1,
        "{:#?}",
        old.analysis.findings
    );
}

fn fanout(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fanout"))
        .args(args)
        .env("HOME", home)
        .env_remove("FANOUT_DB")
        .env_remove("FANOUT_CATALOG")
        .env_remove("CLAUDE_CONFIG_DIR")
        .env_remove("CODEX_HOME")
        .env("NO_COLOR", "1")
        .output()
        .expect("run fanout")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `show` as a user sees it for the fixtures (the viewer's batch view shows the same run).
#[test]
fn show_prints_the_runs_of_the_fixtures() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    for name in [
        "claude-code/2.0.65_parallel_edit_conflict.jsonl",
        "claude-code/2.1.263_split_response.jsonl",
        "codex/0.77.0_parallel_shell.jsonl",
        "gemini/0.41.0_session.jsonl",
    ] {
        let out = fanout(
            dir.path(),
            &[
                fixture(name).to_str().unwrap(),
                "--db",
                db.to_str().unwrap(),
            ],
        );
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        let snap = name.replace(['/', '.'], "_");
        insta::assert_snapshot!(snap, text(&out.stdout));
    }
}

#[test]
fn audit_reports_the_lost_edit_of_a_claude_code_session() {
    let dir = tempfile::tempdir().unwrap();
    let out = fanout(
        dir.path(),
        &[
            "audit",
            "--fail-on",
            "latent",
            "--format",
            "json",
            fixture("claude-code/2.0.65_parallel_edit_conflict.jsonl")
                .to_str()
                .unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = &report["traces"][0]["findings"][0];
    assert_eq!(f["kind"], "shared_state_mutation");
    assert_eq!(f["resource"], "file:/home/dev/shop/src/order.rs");
}

#[test]
fn a_folder_is_read_recursively_with_a_count_of_what_was_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let out = fanout(
        dir.path(),
        &[
            "ingest",
            "--db",
            db.to_str().unwrap(),
            fixture("claude-code/2.1.31_sidechain").to_str().unwrap(),
        ],
    );
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("folder: 2 file(s) to read, 1 skipped (1 agent metadata"),
        "{err}"
    );
    assert!(err.contains("in 2 trace(s)"), "{err}");
}

fn copy(from: &str, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(fixture(from), to).unwrap();
}

#[test]
fn sessions_lists_each_agents_default_folder_newest_first() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    copy(
        "claude-code/2.0.65_parallel_edit_conflict.jsonl",
        &h.join(".claude/projects/-home-dev-shop/s-1.jsonl"),
    );
    copy(
        "claude-code/2.1.31_sidechain/s-2/subagents/agent-a7f3.jsonl",
        &h.join(".claude/projects/-home-dev-shop/s-1/subagents/agent-a7f3.jsonl"),
    );
    copy(
        "codex/0.77.0_parallel_shell.jsonl",
        &h.join(".codex/sessions/2026/11/10/rollout-2026-11-10T14-00-00-019b.jsonl"),
    );
    copy(
        "gemini/0.41.0_session.jsonl",
        &h.join(".gemini/tmp/shop/chats/session-2026-06-01T09-00-g1.jsonl"),
    );
    let out = fanout(h, &["sessions", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 3, "{rows:#?}");
    let claude = rows.iter().find(|r| r["agent"] == "claude-code").unwrap();
    assert_eq!(claude["project"], "/home/dev/shop");
    assert_eq!(claude["calls"], 2);
    assert_eq!(claude["parallel_batches"], 1);
    assert_eq!(claude["findings"], 1);
    let codex = rows.iter().find(|r| r["agent"] == "codex").unwrap();
    assert_eq!(codex["git_branch"], "feature/tax");
    assert_eq!(codex["calls"], 3);
    // The agents' own variables move their folders.
    let moved = tempfile::tempdir().unwrap();
    copy(
        "claude-code/2.1.263_split_response.jsonl",
        &moved.path().join("projects/p/s.jsonl"),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_fanout"))
        .args(["sessions", "--json"])
        .env("HOME", h)
        .env("CLAUDE_CONFIG_DIR", moved.path())
        .env("CODEX_HOME", moved.path().join("none"))
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let agents: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["agent"].as_str().unwrap())
        .collect();
    assert_eq!(agents.len(), 2, "{agents:?}");
    assert!(
        agents.contains(&"claude-code") && agents.contains(&"gemini-cli"),
        "{agents:?}"
    );
}
