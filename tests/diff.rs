//! `fanout diff` on the bundled lost-update run and its rerun where the race did not bite: the
//! divergence is named in the racing batch, in every format, with the exit codes scripts rely on.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

mod common;
use common::{sample, text};

fn fanout(db: &Path, args: &[&str]) -> Output {
    common::fanout_in(db.parent().unwrap(), Some(db), args)
}

#[test]
fn files_compare_in_memory_and_the_racing_batch_is_the_first_divergence() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("never-created.db");
    let out = fanout(
        &db,
        &[
            "diff",
            &sample("lost_update_rerun.otlp.json"),
            &sample("lost_update.otlp.json"),
        ],
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(!db.exists(), "comparing files writes no database");
    assert!(
        stdout.contains("first divergence: batch b1 / b1"),
        "{stdout}"
    );
    assert!(
        stdout.contains("result previous_balance 110 -> 100"),
        "the second deposit read the stale balance: {stdout}"
    );
    assert!(
        stdout.contains("did not overlap in A, overlapped in B"),
        "{stdout}"
    );
    assert!(
        stdout.contains("shared-state mutation on account:acc-1001: info in A, observed in B"),
        "{stdout}"
    );
    assert!(stdout.contains("$130."), "{stdout}");
    assert!(stdout.contains("$120."), "{stdout}");
}

#[test]
fn a_run_against_itself_is_equivalent_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    let f = sample("lost_update.otlp.json");
    let out = fanout(&db, &["diff", &f, &f]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("equivalent"));
}

#[test]
fn stored_runs_by_id_json_and_the_previous_run_of_the_same_service() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    let ingest = fanout(
        &db,
        &[
            "ingest",
            &sample("lost_update.otlp.json"),
            &sample("lost_update_rerun.otlp.json"),
            &sample("read_only_batch.otlp.json"),
        ],
    );
    assert_eq!(ingest.status.code(), Some(0), "{}", text(&ingest.stderr));

    let out = fanout(
        &db,
        &[
            "diff",
            "9b2e7d4c1a0f48e3b6d5c8a7f1e2d3c4",
            "9b2e7d4c1a0f48e3b6d5c8a7f1e2d3c5",
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["equivalent"], false);
    assert_eq!(doc["first_divergence"], 0);
    let findings = &doc["batches"][0]["findings"][0];
    assert_eq!(findings["kind"], "shared_state_mutation");
    assert_eq!(
        findings["severity"],
        serde_json::json!(["observed", "info"])
    );

    // One run named: A is the previous run of the same service (the lost update, which started
    // earlier), not the read-only trace of another service.
    let out = fanout(&db, &["diff", "9b2e7d4c1a0f48e3b6d5c8a7f1e2d3c5", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["a"]["trace_id"], "9b2e7d4c1a0f48e3b6d5c8a7f1e2d3c4");
    assert_eq!(doc["b"]["trace_id"], "9b2e7d4c1a0f48e3b6d5c8a7f1e2d3c5");
}

#[test]
fn markdown_is_ready_for_a_pull_request() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    let out = fanout(
        &db,
        &[
            "diff",
            "--format",
            "md",
            &sample("lost_update_rerun.otlp.json"),
            &sample("lost_update.otlp.json"),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let md = text(&out.stdout);
    assert!(md.starts_with("## fanout diff"), "{md}");
    assert!(md.contains("**First divergence: batch b1 / b1**"), "{md}");
    assert!(md.contains("### Final answer"), "{md}");
}

#[test]
fn errors_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("missing.db");
    let out = fanout(&db, &["diff", "9b2e", "4c1d"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("not a file, so it must be a stored trace id"),
        "{err}"
    );
    assert!(!db.exists(), "a read command never creates the database");
}
