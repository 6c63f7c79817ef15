//! The `fanout` binary as a user and a CI job meet it: exit codes, messages that say what to do,
//! `--help` that teaches (snapshotted, so flag changes are reviewed), and audit gating.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fanout(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fanout"))
        .args(args)
        .arg("--db")
        .arg(db)
        .env_remove("FANOUT_DB")
        .env_remove("FANOUT_CATALOG")
        .env("NO_COLOR", "1")
        .output()
        .expect("run fanout")
}

fn sample(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("sample-traces")
        .join(name)
        .display()
        .to_string()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

#[test]
fn help_lists_commands_examples_and_exit_codes() {
    let out = Command::new(env!("CARGO_BIN_EXE_fanout"))
        .arg("--help")
        .env("FANOUT_DB", "/secret/path.db")
        .output()
        .unwrap();
    assert_eq!(code(&out), 0);
    insta::assert_snapshot!("help", text(&out.stdout));
}

#[test]
fn audit_help_explains_formats_and_gating() {
    let out = Command::new(env!("CARGO_BIN_EXE_fanout"))
        .args(["audit", "--help"])
        .output()
        .unwrap();
    insta::assert_snapshot!("audit_help", text(&out.stdout));
}

#[test]
fn ingest_then_list_as_json_and_reingest_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    let out = fanout(&db, &["ingest", &sample("lost_update.otlp.json")]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("stored 5 new spans in 1 trace(s)"),
        "{}",
        text(&out.stderr)
    );
    let again = fanout(&db, &["ingest", &sample("lost_update.otlp.json")]);
    assert!(
        text(&again.stderr).contains("already ingested: nothing changed"),
        "{}",
        text(&again.stderr)
    );
    let list = fanout(&db, &["list", "--json"]);
    let rows: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1);
    assert_eq!(rows[0]["span_count"], 5);
    assert_eq!(rows[0]["tool_calls"], 2);
    assert_eq!(rows[0]["worst_severity"], "observed");
    assert_eq!(
        rows[0]["finding_kinds"],
        serde_json::json!(["shared_state_mutation"])
    );
}

#[test]
fn ingest_stores_the_analysis_so_readers_have_nothing_left_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    let files = [
        sample("lost_update.otlp.json"),
        sample("context_dependency.otlp.json"),
    ];
    let mut args = vec!["ingest", "--json"];
    args.extend(files.iter().map(String::as_str));
    let out = fanout(&db, &args);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["analysis"]["ok"], true, "{report}");
    assert_eq!(report["analysis"]["traces"], 2, "{report}");
    assert!(
        report["analysis"]["findings"].as_u64().unwrap() >= 2,
        "{report}"
    );
    // Nothing stale is left: a reader answers from the stored analysis.
    let store = fanout::store::Store::open_read_only(&db).unwrap();
    assert_eq!(store.unanalyzed_trace_ids().unwrap(), vec![]);
    // Re-ingesting analyses nothing again; the text report says so by omission.
    let again = fanout(&db, &["ingest", &files[0]]);
    assert!(
        !text(&again.stderr).contains("analysed"),
        "{}",
        text(&again.stderr)
    );
    let first = fanout(&dir.path().join("g.db"), &["ingest", &files[0]]);
    assert!(
        text(&first.stderr)
            .contains("analysed 1 trace(s): 2 model calls, 2 tool calls, 1 batches, 1 finding(s)"),
        "{}",
        text(&first.stderr)
    );
}

#[test]
fn a_bad_file_exits_2_naming_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"xyz\"}]}]}]}\n",
    )
    .unwrap();
    let out = fanout(&dir.path().join("f.db"), &["ingest", bad.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    let err = text(&out.stderr);
    assert!(
        err.contains("bad.jsonl:1: resourceSpans[0].scopeSpans[0].spans[0].traceId"),
        "{err}"
    );
}

#[test]
fn skip_invalid_stores_the_rest_and_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(sample("lost_update.otlp.json")).unwrap();
    let one_line: serde_json::Value = serde_json::from_str(&good).unwrap();
    let file = dir.path().join("mixed.jsonl");
    std::fs::write(
        &file,
        format!("{}\nnot json\n", serde_json::to_string(&one_line).unwrap()),
    )
    .unwrap();
    let out = fanout(
        &dir.path().join("f.db"),
        &["ingest", "--skip-invalid", file.to_str().unwrap()],
    );
    assert_eq!(code(&out), 3, "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("skipped"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn reading_commands_without_a_database_say_how_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = fanout(&dir.path().join("none.db"), &["list"]);
    assert_eq!(code(&out), 2);
    assert!(
        text(&out.stderr).contains("fanout ingest FILE"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_unknown_trace_and_an_unknown_batch_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    fanout(&db, &["ingest", &sample("lost_update.otlp.json")]);
    let out = fanout(&db, &["show", "ffff"]);
    assert_eq!(code(&out), 2);
    assert!(
        text(&out.stderr).contains("no stored trace id starts with 'ffff'"),
        "{}",
        text(&out.stderr)
    );
    let list: serde_json::Value =
        serde_json::from_slice(&fanout(&db, &["list", "--json"]).stdout).unwrap();
    let id = list[0]["trace_id"].as_str().unwrap().to_owned();
    let out = fanout(
        &db,
        &["export", &id[..8], "--format", "md", "--batch", "b9"],
    );
    assert_eq!(code(&out), 2);
    assert!(
        text(&out.stderr).contains("has no batch 'b9' (batches: b1"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    fanout(&db, &["ingest", &sample("multi_turn.otlp.json")]);
    let list: serde_json::Value =
        serde_json::from_slice(&fanout(&db, &["list", "--json"]).stdout).unwrap();
    let id = list[0]["trace_id"].as_str().unwrap().to_owned();
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' export {id} --format svg --db '{}' | head -c 10",
            env!("CARGO_BIN_EXE_fanout"),
            db.display()
        ))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        !text(&out.stderr).contains("panicked"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn audit_exits_1_on_the_lost_update_and_0_on_the_read_only_batch() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("unused.db");
    let lost = Command::new(env!("CARGO_BIN_EXE_fanout"))
        .args([
            "audit",
            "--format",
            "json",
            &sample("lost_update.otlp.json"),
        ])
        .env_remove("FANOUT_DB")
        .output()
        .unwrap();
    assert_eq!(code(&lost), 1, "{}", text(&lost.stderr));
    let report: serde_json::Value = serde_json::from_slice(&lost.stdout).unwrap();
    let finding = &report["traces"][0]["findings"][0];
    assert_eq!(finding["kind"], "shared_state_mutation");
    assert_eq!(finding["severity"], "observed");
    assert_eq!(
        report["traces"][0]["suspect_batch_ids"][0],
        finding["batch_id"]
    );
    let safe = Command::new(env!("CARGO_BIN_EXE_fanout"))
        .args([
            "audit",
            &sample("read_only_batch.otlp.json"),
            &sample("clean_sequential.otlp.json"),
        ])
        .env_remove("FANOUT_DB")
        .output()
        .unwrap();
    assert_eq!(
        code(&safe),
        0,
        "{}{}",
        text(&safe.stdout),
        text(&safe.stderr)
    );
    assert!(
        !db.exists(),
        "an audit of files without --db writes no database"
    );
    let never = Command::new(env!("CARGO_BIN_EXE_fanout"))
        .args([
            "audit",
            "--fail-on",
            "never",
            &sample("lost_update.otlp.json"),
        ])
        .env_remove("FANOUT_DB")
        .output()
        .unwrap();
    assert_eq!(code(&never), 0);
}

#[test]
fn a_catalog_overrides_heuristics_and_a_bad_one_is_named() {
    let dir = tempfile::tempdir().unwrap();
    // Declared, these two "reads" both read-modify-write one cache entry per city.
    let catalog = dir.path().join("fanout.toml");
    std::fs::write(
        &catalog,
        "[tools.get_weather]\nmode = \"read_write\"\nresources = [\"cache:lisbon\"]\n\n\
         [tools.get_time]\nmode = \"read_write\"\nresources = [\"cache:lisbon\"]\n",
    )
    .unwrap();
    let audit = |catalog: &Path| {
        Command::new(env!("CARGO_BIN_EXE_fanout"))
            .args(["audit", "--format", "json", "--catalog"])
            .arg(catalog)
            .arg(sample("read_only_batch.otlp.json"))
            .env_remove("FANOUT_DB")
            .output()
            .unwrap()
    };
    let out = audit(&catalog);
    assert_eq!(code(&out), 1, "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let finding = &report["traces"][0]["findings"][0];
    assert_eq!(finding["kind"], "shared_state_mutation");
    assert_eq!(finding["resource"], "cache:lisbon");

    std::fs::write(&catalog, "[tools.get_weather]\nmode = \"rw-x\"\n").unwrap();
    let bad = audit(&catalog);
    assert_eq!(code(&bad), 2);
    let err = text(&bad.stderr);
    assert!(
        err.contains("fanout.toml") && err.contains("tools.get_weather.mode"),
        "{err}"
    );
}
