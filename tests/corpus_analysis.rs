//! Analysis against the corpus ground truth: every expected conflict found with the right kind,
//! batch and call ids (recall), no other finding above `info` (precision), the culprit batch
//! first among the suspects, and nothing above `info` on the negative controls.
//!
//! Runs over `tests/fixtures/analysis_corpus` (a copied subset with its manifest entries) always,
//! and over the whole `../shared/corpus` when it exists, OTLP/JSON and protobuf files alike.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use fanout::analysis::{analyze_trace, Catalog, FindingKind, Severity};
use fanout::model::Trace;
use serde_json::Value;

/// One trace's ground truth, read from either manifest shape.
#[derive(Debug)]
struct Truth {
    file: PathBuf,
    /// `(kind, sorted call ids, resource)`.
    conflicts: Vec<(FindingKind, Vec<String>, String)>,
}

fn kind(k: &str) -> FindingKind {
    match k {
        "write-write" | "read-write" => FindingKind::SharedStateMutation,
        "context-dependency" => FindingKind::ContextDependency,
        "missing-precondition" => FindingKind::ExecutionTimingDependency,
        other => panic!("unknown conflict kind {other}"),
    }
}

fn sorted(ids: &Value) -> Vec<String> {
    let mut v: Vec<String> = ids
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str().map(str::to_owned))
        .collect();
    v.sort();
    v
}

/// Python manifest (`traces[]`, `expected_conflicts`) and node manifest (`files[]`, `conflicts`).
fn truths(manifest: &Path, base: &Path) -> Vec<Truth> {
    let text =
        std::fs::read_to_string(manifest).unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
    let doc: Value = serde_json::from_str(&text).unwrap();
    let mut out = Vec::new();
    for t in doc["traces"].as_array().into_iter().flatten() {
        let conflicts: Vec<_> = t["expected_conflicts"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                (
                    kind(c["kind"].as_str().unwrap()),
                    sorted(&c["calls"]),
                    c["resource"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        for key in ["otlp_jsonl", "otlp_protobuf"] {
            if let Some(file) = t["files"][key]
                .as_str()
                .map(|f| base.join(f))
                .filter(|f| f.exists())
            {
                out.push(Truth {
                    file,
                    conflicts: conflicts.clone(),
                });
            }
        }
    }
    for f in doc["files"].as_array().into_iter().flatten() {
        let file = f["file"].as_str().unwrap_or_default();
        let conflicts = f["conflicts"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                (
                    kind(c["kind"].as_str().unwrap()),
                    sorted(&c["tool_call_ids"]),
                    c["resource"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        out.push(Truth {
            file: base.join(file),
            conflicts,
        });
    }
    out
}

/// The key a resource must name in substance: its last segment, without a file extension.
fn resource_key(uri: &str) -> String {
    let last = uri.rsplit(['/', ':']).next().unwrap_or(uri).to_lowercase();
    last.strip_suffix(".json").unwrap_or(&last).to_owned()
}

#[derive(Default)]
struct Score {
    expected: usize,
    reported: usize,
    hits: usize,
    problems: Vec<String>,
    traces: usize,
}

fn check(truth: &Truth, score: &mut Score) {
    let spans = fanout::ingest::load_path(&truth.file)
        .unwrap_or_else(|e| panic!("{}: {e}", truth.file.display()));
    let mut ids: Vec<_> = spans
        .iter()
        .map(|s| s.trace_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(ids.len(), 1, "{}: one trace per file", truth.file.display());
    let trace = Trace::new(ids.remove(0), spans);
    let at = analyze_trace(&trace, &Catalog::default());
    let (run, a) = (&at.run, &at.analysis);
    score.traces += 1;
    let name = truth.file.display().to_string();
    let above: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.severity > Severity::Info)
        .collect();
    score.expected += truth.conflicts.len();
    score.reported += above.len();
    for f in &above {
        let mut call_ids: Vec<String> = f
            .calls
            .iter()
            .map(|&c| run.tool_calls[c].display_id())
            .collect();
        call_ids.sort();
        let hit = truth
            .conflicts
            .iter()
            .find(|(k, c, _)| *k == f.kind && *c == call_ids);
        match hit {
            Some((_, _, resource)) if f.resource.contains(&resource_key(resource)) => {
                let batch_ids: BTreeSet<String> = run.batches[f.batch]
                    .calls
                    .iter()
                    .map(|&c| run.tool_calls[c].display_id())
                    .collect();
                if call_ids.iter().all(|c| batch_ids.contains(c)) {
                    score.hits += 1;
                } else {
                    score
                        .problems
                        .push(format!("{name}: finding in the wrong batch: {f:?}"));
                }
            }
            Some((_, _, resource)) => score.problems.push(format!(
                "{name}: {} found on {} but the manifest names {resource}",
                f.kind.as_str(),
                f.resource
            )),
            None => score.problems.push(format!(
                "{name}: unexpected {} {} on {} between {call_ids:?}: {}",
                f.severity.as_str(),
                f.kind.as_str(),
                f.resource,
                f.explanation
            )),
        }
    }
    for (k, c, r) in &truth.conflicts {
        let found = above.iter().any(|f| {
            let mut ids: Vec<String> = f
                .calls
                .iter()
                .map(|&i| run.tool_calls[i].display_id())
                .collect();
            ids.sort();
            f.kind == *k && ids == *c
        });
        if !found {
            score.problems.push(format!(
                "{name}: missed {} on {r} between {c:?}; findings: {:?}",
                k.as_str(),
                a.findings
            ));
        }
        // The culprit batch (the one holding the conflict) must be the first suspect.
        let first = a.suspects.first().and_then(|&b| run.batches.get(b));
        let first_ids: BTreeSet<String> = first
            .map(|b| {
                b.calls
                    .iter()
                    .map(|&i| run.tool_calls[i].display_id())
                    .collect()
            })
            .unwrap_or_default();
        if !c.iter().all(|id| first_ids.contains(id)) {
            score.problems.push(format!(
                "{name}: first suspect {:?} is not the culprit batch of {c:?}",
                a.suspects.first()
            ));
        }
    }
}

fn run_corpus(pairs: &[(PathBuf, PathBuf)]) -> Score {
    let mut score = Score::default();
    for (manifest, base) in pairs {
        for t in truths(manifest, base) {
            check(&t, &mut score);
        }
    }
    score
}

fn assert_perfect(score: &Score, what: &str) {
    let precision = if score.reported == 0 {
        1.0
    } else {
        score.hits as f64 / score.reported as f64
    };
    let recall = if score.expected == 0 {
        1.0
    } else {
        score.hits as f64 / score.expected as f64
    };
    println!("{what}: {} traces, {} expected conflicts, {} reported above info, precision {precision:.3}, recall {recall:.3}", score.traces, score.expected, score.reported);
    assert!(score.traces > 0, "{what}: no traces read");
    assert!(
        score.problems.is_empty(),
        "{what}:\n{}",
        score.problems.join("\n")
    );
    assert_eq!((precision, recall), (1.0, 1.0), "{what}");
}

#[test]
fn the_copied_corpus_subset_matches_its_ground_truth() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/analysis_corpus");
    let score = run_corpus(&[
        (dir.join("python_manifest.json"), dir.join("python")),
        (dir.join("node_manifest.json"), dir.join("node")),
    ]);
    assert!(score.expected >= 4, "the subset covers every conflict kind");
    assert_perfect(&score, "fixture subset");
}

#[test]
fn the_shared_corpus_matches_its_ground_truth() {
    let Some(root) = common::corpus_dir() else {
        return common::skip_without_corpus("the_shared_corpus_matches_its_ground_truth");
    };
    let score = run_corpus(&[
        (root.join("python/manifest.json"), root.join("python")),
        (root.join("node/manifest.json"), root.join("node")),
    ]);
    assert_perfect(&score, "shared corpus");
}
