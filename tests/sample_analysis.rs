//! Analysis of the bundled sample traces (`sample-traces/`, OTLP/JSON and native twins) against
//! `expected.json`: the conflicts (kind, batch, call ids, writer first), nothing else above
//! `info`, the culprit batch as the first suspect, and the why path's call on the expected path.

use std::collections::BTreeSet;
use std::path::PathBuf;

use fanout::analysis::{analyze_trace, Catalog, Severity, WhyStep};
use fanout::model::Trace;
use serde_json::Value;

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-traces")
}

#[test]
fn every_sample_yields_exactly_its_expected_conflicts_suspects_and_why_path() {
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(samples().join("expected.json")).unwrap())
            .unwrap();
    let mut checked = 0;
    let mut problems = Vec::new();
    for (name, truth) in expected["traces"].as_object().unwrap() {
        for file in truth["files"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
        {
            let spans = fanout::ingest::load_path(&samples().join(file))
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            let ids: BTreeSet<_> = spans.iter().map(|s| s.trace_id).collect();
            let trace = Trace::new(*ids.iter().next().unwrap(), spans);
            let at = analyze_trace(&trace, &Catalog::default());
            let (run, a) = (&at.run, &at.analysis);
            checked += 1;
            let id_of = |c: usize| run.tool_calls[c].display_id();
            let above: Vec<_> = a
                .findings
                .iter()
                .filter(|f| f.severity > Severity::Info)
                .collect();
            // Expected conflicts rated info (siblings this run serialized) are looked up among
            // all findings; the others must be exactly the findings above info.
            let all = truth["conflicts"].as_array().unwrap();
            let want: Vec<&Value> = all.iter().filter(|w| w["severity"] != "info").collect();
            for w in all.iter().filter(|w| w["severity"] == "info") {
                let found = a.findings.iter().any(|f| {
                    f.severity == Severity::Info
                        && f.kind.as_str() == w["kind"].as_str().unwrap()
                        && run.batches[f.batch].id == w["batch"].as_str().unwrap()
                });
                if !found {
                    problems.push(format!("{file}: missing info finding {w}"));
                }
            }
            if above.len() != want.len() {
                problems.push(format!(
                    "{file}: {} findings above info, expected {}: {:#?}",
                    above.len(),
                    want.len(),
                    a.findings
                ));
                continue;
            }
            for w in &want {
                let calls: Vec<String> = w["calls"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_str().unwrap().to_owned())
                    .collect();
                let hit = above.iter().find(|f| {
                    f.kind.as_str() == w["kind"].as_str().unwrap()
                        && run.batches[f.batch].id == w["batch"].as_str().unwrap()
                        && f.calls.iter().map(|&c| id_of(c)).collect::<Vec<_>>() == calls
                });
                if hit.is_none() {
                    problems.push(format!("{file}: missing {w} among {:#?}", a.findings));
                }
            }
            if let Some(culprit) = truth["culprit_batch"].as_str() {
                let first = a.suspects.first().map(|&b| run.batches[b].id.as_str());
                if first != Some(culprit) {
                    problems.push(format!(
                        "{file}: first suspect {first:?}, expected {culprit}"
                    ));
                }
                let path: Vec<&str> = truth["why_path"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(Value::as_str)
                    .collect();
                let why_call = a.why.steps.iter().find_map(|s| match s {
                    WhyStep::Call { call, .. } => Some(id_of(*call)),
                    _ => None,
                });
                let why_batch = a.why.steps.iter().find_map(|s| match s {
                    WhyStep::Batch { batch } => Some(run.batches[*batch].id.clone()),
                    _ => None,
                });
                if why_batch.as_deref() != Some(culprit)
                    || why_call.as_deref().is_some_and(|c| !path.contains(&c))
                {
                    problems.push(format!(
                        "{file}: why path {:?} does not follow {path:?} to {culprit}",
                        a.why
                    ));
                }
            }
        }
        let _ = name;
    }
    assert!(checked >= 7, "read {checked} sample files");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
