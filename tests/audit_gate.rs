//! `fanout audit` as a CI gate must never pass by mistake: a missing database, an audit that
//! read nothing, and records left out by `--skip-invalid` each say so and exit non-zero.

use std::path::Path;
use std::process::Output;

mod common;
use common::sample;

fn fanout(dir: &Path, args: &[&str]) -> Output {
    common::fanout_in(dir, None, args)
}

fn stderr(o: &Output) -> String {
    common::text(&o.stderr)
}

#[test]
fn auditing_a_database_that_does_not_exist_fails_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nope.db");
    let out = fanout(dir.path(), &["audit", "--db", db.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("no database at"), "{}", stderr(&out));
    assert!(!db.exists());
}

#[test]
fn an_audit_that_read_no_trace_is_an_error_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    // A valid OTLP request that holds no span (an exporter that flushed nothing).
    let empty = dir.path().join("empty.otlp.json");
    std::fs::write(&empty, r#"{"resourceSpans":[]}"#).unwrap();
    let out = fanout(dir.path(), &["audit", empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("read no trace"), "{}", stderr(&out));

    let out = fanout(
        dir.path(),
        &["audit", "--allow-empty", empty.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn skipped_records_are_listed_and_exit_3_when_nothing_fails() {
    let dir = tempfile::tempdir().unwrap();
    let clean = std::fs::read_to_string(sample("read_only_batch.otlp.json")).unwrap();
    let one_line: serde_json::Value = serde_json::from_str(&clean).unwrap();
    let file = dir.path().join("mixed.jsonl");
    std::fs::write(
        &file,
        format!(
            "{}\nnot json at all\n",
            serde_json::to_string(&one_line).unwrap()
        ),
    )
    .unwrap();
    let out = fanout(
        dir.path(),
        &["audit", "--skip-invalid", file.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("skipped: ") && err.contains("mixed.jsonl:2:"),
        "{err}"
    );

    // A finding at or above --fail-on still fails the gate, skipped records or not.
    let racy = std::fs::read_to_string(sample("lost_update.otlp.json")).unwrap();
    let racy: serde_json::Value = serde_json::from_str(&racy).unwrap();
    std::fs::write(
        &file,
        format!(
            "{}\nnot json at all\n",
            serde_json::to_string(&racy).unwrap()
        ),
    )
    .unwrap();
    let out = fanout(
        dir.path(),
        &["audit", "--skip-invalid", file.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn every_format_names_the_input_file_of_each_finding() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("racy run.otlp.json");
    std::fs::copy(sample("lost_update.otlp.json"), &file).unwrap();
    let name = file.to_str().unwrap();

    let sarif = fanout(dir.path(), &["audit", "--format", "sarif", name]);
    assert_eq!(sarif.status.code(), Some(1), "{}", stderr(&sarif));
    let doc: serde_json::Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let uri = &doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"];
    assert_eq!(
        uri.as_str().unwrap(),
        format!("file://{}", name.replace(' ', "%20")),
        "code-scanning services need a physical location"
    );

    let junit = fanout(dir.path(), &["audit", "--format", "junit", name]);
    let xml = String::from_utf8_lossy(&junit.stdout);
    assert!(xml.contains(&format!(r#"file="{name}""#)), "{xml}");

    let table = fanout(dir.path(), &["audit", name]);
    let out = String::from_utf8_lossy(&table.stdout);
    assert!(out.contains(&format!("({name})")), "{out}");

    let json = fanout(dir.path(), &["audit", "--format", "json", name]);
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc["traces"][0]["sources"][0], name);
}
