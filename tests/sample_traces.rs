//! The bundled sample traces through fanout's own readers: each OTLP/JSON sample is detected and
//! read as expected.json says, and its native twin yields the same calls with the same ids,
//! names, arguments, results, times and emitted batches.

use std::collections::BTreeMap;
use std::path::PathBuf;

use fanout::ingest::{detect, load_path, native, Format, OnInvalid, VecSink};
use fanout::model::{AnyValue, Span};
use serde_json::Value;

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-traces")
}

fn op(span: &Span) -> &str {
    span.attr_str("gen_ai.operation.name").unwrap_or("")
}

fn json_attr(span: &Span, key: &str) -> Value {
    span.attr(key)
        .map(AnyValue::to_json_parsed)
        .unwrap_or(Value::Null)
}

/// What must agree between the two formats, per tool call id.
fn tool_view(spans: &[Span]) -> BTreeMap<String, (String, u64, u64, Value, Value, String)> {
    spans
        .iter()
        .filter(|s| op(s) == "execute_tool")
        .map(|s| {
            let id = s
                .attr_str("gen_ai.tool.call.id")
                .unwrap_or_default()
                .to_owned();
            let status = format!(
                "{:?} {}",
                s.status.code,
                s.attr_str("error.type").unwrap_or("")
            );
            let view = (
                s.attr_str("gen_ai.tool.name")
                    .unwrap_or_default()
                    .to_owned(),
                s.start_unix_nano,
                s.end_unix_nano,
                json_attr(s, "gen_ai.tool.call.arguments"),
                json_attr(s, "gen_ai.tool.call.result"),
                status,
            );
            (id, view)
        })
        .collect()
}

/// The tool_call parts each chat span emitted, chat spans in start order.
fn batches(spans: &[Span]) -> Vec<Value> {
    let mut chats: Vec<&Span> = spans.iter().filter(|s| op(s) == "chat").collect();
    chats.sort_by_key(|s| s.start_unix_nano);
    chats
        .iter()
        .map(|c| {
            let parts = json_attr(c, "gen_ai.output.messages")[0]["parts"].clone();
            Value::Array(
                parts
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["type"] == "tool_call")
                    .cloned()
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn otlp_samples_and_their_native_twins_agree() {
    let text = std::fs::read_to_string(samples().join("expected.json")).unwrap();
    let expected: Value = serde_json::from_str(&text).unwrap();
    for (name, want) in expected["traces"].as_object().unwrap() {
        let otlp_path = samples().join(format!("{name}.otlp.json"));
        let native_path = samples().join(format!("{name}.native.jsonl"));
        let otlp_bytes = std::fs::read(&otlp_path).unwrap();
        let native_bytes = std::fs::read(&native_path).unwrap();
        assert_eq!(
            detect(&otlp_bytes, &otlp_path.display().to_string()),
            Ok(Format::OtlpJson),
            "{name}"
        );
        assert_eq!(
            detect(&native_bytes, &native_path.display().to_string()),
            Ok(Format::Native),
            "{name}"
        );
        let first_line = String::from_utf8_lossy(&native_bytes);
        assert!(native::looks_native(
            first_line.lines().next().unwrap_or("")
        ));

        let otlp = load_path(&otlp_path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut sink = VecSink::default();
        native::read(name, native_bytes.as_slice(), OnInvalid::Fail, &mut sink).unwrap();
        let synth = sink.spans;

        let count = want["span_count"].as_u64().unwrap() as usize;
        assert_eq!(
            (otlp.len(), synth.len()),
            (count, count),
            "{name}: span counts"
        );
        let trace_id = want["trace_id"].as_str().unwrap();
        assert!(
            otlp.iter().all(|s| s.trace_id.to_hex() == trace_id),
            "{name}: OTLP trace id"
        );
        let native_id = want["native_trace_id"].as_str().unwrap();
        assert!(
            synth.iter().all(|s| s.trace_id.to_hex() == native_id),
            "{name}: native trace id"
        );
        assert_ne!(
            trace_id, native_id,
            "{name}: twins must not merge into one trace"
        );
        assert_eq!(
            tool_view(&otlp),
            tool_view(&synth),
            "{name}: tool calls differ between formats"
        );
        assert_eq!(
            batches(&otlp),
            batches(&synth),
            "{name}: emitted batches differ between formats"
        );

        let root = |spans: &[Span]| {
            spans
                .iter()
                .find(|s| s.parent_span_id.is_none())
                .map(|s| (s.name.clone(), s.start_unix_nano, s.end_unix_nano))
        };
        assert_eq!(root(&otlp), root(&synth), "{name}: root span");
        let final_text = |spans: &[Span]| {
            spans
                .iter()
                .find(|s| op(s) == "invoke_agent")
                .map(|s| json_attr(s, "gen_ai.output.messages")[0]["parts"][0]["content"].clone())
        };
        assert_eq!(
            final_text(&otlp),
            Some(want["final_answer"]["text"].clone()),
            "{name}: final answer"
        );
        assert_eq!(final_text(&otlp), final_text(&synth));
    }
}
