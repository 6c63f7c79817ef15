//! Naming a run the way a user would: a file instead of an id (read in memory, nothing stored),
//! no id at all (the newest run), the short id the viewer shows, an export format taken from
//! the file name, and a mistyped command answered with a suggestion.

use std::path::Path;
use std::process::Output;

mod common;
use common::{sample, text};

fn fanout(db: &Path, args: &[&str]) -> Output {
    common::fanout_in(db.parent().unwrap(), Some(db), args)
}

/// Without `--db`: the per-user database lives under a temp HOME, never the user's own.
fn fanout_no_db(home: &Path, args: &[&str]) -> Output {
    common::fanout_in(home, None, args)
}

#[test]
fn why_show_and_export_take_a_file_and_store_nothing() {
    let home = tempfile::tempdir().unwrap();
    let f = sample("lost_update.otlp.json");
    let why = fanout_no_db(home.path(), &["why", &f]);
    assert_eq!(why.status.code(), Some(0), "{}", text(&why.stderr));
    assert!(
        text(&why.stdout).contains("account:acc-1001"),
        "{}",
        text(&why.stdout)
    );
    let show = fanout_no_db(home.path(), &["show", &f, "--json"]);
    assert_eq!(show.status.code(), Some(0), "{}", text(&show.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(
        doc["traces"][0]["trace_id"],
        "9b2e7d4c1a0f48e3b6d5c8a7f1e2d3c4"
    );
    let svg = home.path().join("run.svg");
    let export = fanout_no_db(home.path(), &["export", &f, "-o", svg.to_str().unwrap()]);
    assert_eq!(export.status.code(), Some(0), "{}", text(&export.stderr));
    let body = std::fs::read_to_string(&svg).unwrap();
    assert!(
        body.starts_with("<svg") || body.starts_with("<?xml"),
        "the extension picked SVG"
    );
    assert!(
        !home.path().join("data").exists(),
        "reading a file creates no database"
    );
}

#[test]
fn no_id_means_the_newest_run_and_the_viewer_s_short_id_resolves() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    let ingest = fanout(
        &db,
        &[
            "ingest",
            &sample("lost_update.otlp.json"),
            &sample("lost_update_rerun.otlp.json"),
        ],
    );
    assert_eq!(ingest.status.code(), Some(0), "{}", text(&ingest.stderr));
    // The rerun started last.
    let show = fanout(&db, &["show", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(
        doc["traces"][0]["trace_id"],
        "9b2e7d4c1a0f48e3b6d5c8a7f1e2d3c5"
    );
    // Both ids start 9b2e7d4c: the tail of the short form tells them apart.
    let show = fanout(&db, &["show", "9b2e7d4c…d3c4", "--json"]);
    assert_eq!(show.status.code(), Some(0), "{}", text(&show.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(
        doc["traces"][0]["trace_id"],
        "9b2e7d4c1a0f48e3b6d5c8a7f1e2d3c4"
    );
    let ambiguous = fanout(&db, &["show", "9b2e7d4c"]);
    assert_eq!(ambiguous.status.code(), Some(2));
    assert!(text(&ambiguous.stderr).contains("matches 2 traces"));
}

#[test]
fn export_without_a_format_or_a_telling_name_says_what_to_pass() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    let f = sample("lost_update.otlp.json");
    let out = fanout(
        &db,
        &[
            "export",
            &f,
            "-o",
            dir.path().join("run.txt").to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("pass --format"),
        "{}",
        text(&out.stderr)
    );
    let md = fanout(
        &db,
        &[
            "export",
            &f,
            "-o",
            dir.path().join("run.md").to_str().unwrap(),
        ],
    );
    assert_eq!(md.status.code(), Some(0), "{}", text(&md.stderr));
    assert!(text(&md.stderr).contains("(md)"), "{}", text(&md.stderr));
}

#[test]
fn a_mistyped_command_gets_a_suggestion_not_a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = fanout(&dir.path().join("f.db"), &["lsit"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("did you mean `fanout list`?"),
        "{}",
        text(&out.stderr)
    );
    assert!(!dir.path().join("f.db").exists());
}
