//! The bundled sample traces (sample-traces/, OTLP/JSON and native twins) normalize to the
//! model calls, batches and final answers their expected.json records.

use std::path::PathBuf;

use fanout::model::Trace;
use serde_json::Value;

#[test]
fn sample_traces_normalize_to_their_expected_runs() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-traces");
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let traces = expected["traces"].as_object().expect("traces");
    let mut checked = 0;
    for (name, t) in traces {
        for file in t["files"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            let spans = fanout::ingest::load_path(&dir.join(file))
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            let run = fanout::normalize::normalize(&Trace::new(spans[0].trace_id, spans));
            let what = format!("{name} [{file}]");
            assert_eq!(
                Some(run.model_calls.len() as u64),
                t["model_call_count"].as_u64(),
                "{what}: model calls"
            );
            assert_eq!(
                Some(run.tool_calls.len() as u64),
                t["tool_call_count"].as_u64(),
                "{what}: tool calls"
            );
            let want = t["batches"].as_array().expect("batches");
            assert_eq!(run.batches.len(), want.len(), "{what}: batches");
            for (b, w) in run.batches.iter().zip(want) {
                assert_eq!(Some(b.id.as_str()), w["id"].as_str(), "{what}");
                assert_eq!(
                    b.emitted_by.map(|m| m as u64),
                    w["model_call"].as_u64(),
                    "{what}: emitting call of {}",
                    b.id
                );
                let ids: Vec<String> = b
                    .calls
                    .iter()
                    .map(|&c| run.tool_calls[c].display_id())
                    .collect();
                let want_ids: Vec<&str> = w["calls"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                assert_eq!(ids, want_ids, "{what}: calls of {}", b.id);
            }
            let answer = run.final_answer.as_ref().map(|f| f.text.as_str());
            assert_eq!(
                answer,
                t["final_answer"]["text"].as_str(),
                "{what}: final answer"
            );
            checked += 1;
        }
    }
    assert!(checked >= 14, "checked {checked} sample files");
}
