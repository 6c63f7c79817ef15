//! Every trace of the shared corpus (and the copied subset under tests/fixtures/corpus) must
//! normalize to the batches, call ids, emitting model calls, matched tool spans and final
//! answer its manifest records, for the JSON and the protobuf file alike.

mod common;

#[path = "support/expect.rs"]
mod expect;

use std::path::{Path, PathBuf};

use expect::{check, load, node_entry, python_entry, Expect, Loaded};
use serde_json::Value;

fn read_json(p: &Path) -> Value {
    let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Runs the checks over every file of every expectation; returns (checked, unsupported).
fn run_all(expects: &[Expect]) -> (usize, Vec<String>) {
    let mut checked = 0;
    let mut unsupported = Vec::new();
    for exp in expects {
        for file in &exp.files {
            if !file.exists() {
                // The node manifest names twins that were not committed (e.g. aisdk5 .pb).
                unsupported.push(format!("{} (missing)", file.display()));
                continue;
            }
            match load(file) {
                Loaded::Trace(trace) => {
                    let run = fanout::normalize::normalize(&trace);
                    check(&run, exp, &format!("{} [{}]", exp.name, file.display()));
                    checked += 1;
                }
                Loaded::Unsupported(msg) => unsupported.push(msg),
            }
        }
    }
    (checked, unsupported)
}

fn corpus_expectations(root: &Path) -> Vec<Expect> {
    let mut out = Vec::new();
    let py = root.join("python");
    for e in read_json(&py.join("manifest.json"))
        .get("traces")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.push(python_entry(e, &py));
    }
    let node = root.join("node");
    for e in read_json(&node.join("manifest.json"))
        .get("files")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        // A `.pb` listed as its own entry is the twin of a `.jsonl` entry; checked once.
        let exp = node_entry(e, &node);
        out.push(exp);
    }
    out
}

#[test]
fn whole_shared_corpus_normalizes_to_its_manifests() {
    let Some(root) = common::corpus_dir() else {
        return common::skip_without_corpus("whole_shared_corpus_normalizes_to_its_manifests");
    };
    let expects = corpus_expectations(&root);
    assert!(
        expects.len() >= 20,
        "both manifests read: {}",
        expects.len()
    );
    let (checked, unsupported) = run_all(&expects);
    for u in &unsupported {
        println!("not checked: {u}");
    }
    println!("checked {checked} corpus files");
    assert!(checked >= 26, "checked only {checked} files");
}

#[test]
fn copied_corpus_subset_normalizes_to_its_manifests() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus");
    let mut expects = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/fixtures/corpus exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".manifest.json"))
        .collect();
    entries.sort();
    for p in entries {
        let v = read_json(&p);
        let entry = v.get("entry").expect("entry");
        let exp = match v.get("corpus").and_then(Value::as_str) {
            Some("python") => python_entry(entry, &dir),
            Some("node") => node_entry(entry, &dir),
            other => panic!("{}: unknown corpus {other:?}", p.display()),
        };
        expects.push(exp);
    }
    assert!(expects.len() >= 6, "one trace per convention/producer");
    let (checked, unsupported) = run_all(&expects);
    for u in &unsupported {
        println!("not checked: {u}");
    }
    assert!(
        checked >= expects.len(),
        "every JSON fixture checked ({checked})"
    );
}
