//! Real corpus traces (the copied subset), degraded the ways other versions and settings of the
//! same instrumentations degrade them: call ids dropped from tool spans, model output not
//! recorded, parent links scrambled, arguments not captured. The batches must survive, and the
//! run must say how it matched and what it could not see.

use std::path::PathBuf;

use fanout::model::{MatchEvidence, Run, Span, Trace};

fn load(name: &str) -> Vec<Span> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/corpus")
        .join(name);
    fanout::ingest::load_path(&path).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn normalize(spans: Vec<Span>) -> Run {
    let id = spans[0].trace_id;
    fanout::normalize::normalize(&Trace::new(id, spans))
}

fn strip(spans: &mut [Span], pred: impl Fn(&Span) -> bool, keys: &[&str]) {
    for s in spans.iter_mut().filter(|s| pred(s)) {
        s.attributes.retain(|kv| !keys.contains(&kv.key.as_str()));
    }
}

fn batches(run: &Run) -> Vec<Vec<(String, String)>> {
    run.batches
        .iter()
        .map(|b| {
            b.calls
                .iter()
                .map(|&c| {
                    let tc = &run.tool_calls[c];
                    (
                        tc.display_id(),
                        tc.span_id.map(|s| s.to_hex()).unwrap_or_default(),
                    )
                })
                .collect()
        })
        .collect()
}

const PYDANTIC: &str = "python__pydantic_ai__lost_update.otlp.jsonl";

fn is_tool(s: &Span) -> bool {
    s.name.starts_with("execute_tool")
}

#[test]
fn tool_spans_without_call_ids_are_matched_by_arguments() {
    let truth = normalize(load(PYDANTIC));
    let mut spans = load(PYDANTIC);
    strip(&mut spans, is_tool, &["gen_ai.tool.call.id"]);
    let run = normalize(spans);
    assert_eq!(batches(&run), batches(&truth));
    assert!(run
        .tool_calls
        .iter()
        .all(|c| c.matched_by == MatchEvidence::NameAndArguments));
}

#[test]
fn a_model_span_without_output_gets_its_calls_from_the_next_input() {
    let truth = normalize(load(PYDANTIC));
    let mut spans = load(PYDANTIC);
    let first_chat = truth.model_calls[0].span_id;
    strip(
        &mut spans,
        |s| Some(s.span_id) == first_chat,
        &["gen_ai.output.messages"],
    );
    let run = normalize(spans);
    assert_eq!(batches(&run), batches(&truth));
    assert_eq!(run.batches[0].emitted_by, Some(0));
    assert!(run
        .degraded
        .iter()
        .any(|d| d.code == "model_output_not_recorded"));
    assert_eq!(run.final_answer, truth.final_answer);
}

#[test]
fn scrambled_parent_links_change_nothing() {
    let truth = normalize(load(PYDANTIC));
    let mut spans = load(PYDANTIC);
    // Chain every span under the previous one in file (end) order, and orphan the first.
    let ids: Vec<_> = spans.iter().map(|s| s.span_id).collect();
    for (i, s) in spans.iter_mut().enumerate() {
        s.parent_span_id = if i == 0 {
            Some(fanout::model::SpanId([0xee; 8]))
        } else {
            Some(ids[i - 1])
        };
    }
    let run = normalize(spans);
    assert_eq!(batches(&run), batches(&truth));
    assert_eq!(run.final_answer, truth.final_answer);
}

#[test]
fn no_ids_and_no_arguments_falls_back_to_emission_order_and_says_so() {
    let mut spans = load(PYDANTIC);
    strip(
        &mut spans,
        is_tool,
        &["gen_ai.tool.call.id", "gen_ai.tool.call.arguments"],
    );
    let run = normalize(spans);
    assert_eq!(run.batches.len(), 1);
    assert!(run
        .tool_calls
        .iter()
        .all(|c| c.matched_by == MatchEvidence::Order && c.span_id.is_some()));
    // The emitted calls still carry their ids and arguments.
    assert!(run
        .tool_calls
        .iter()
        .all(|c| c.call_id.is_some() && c.arguments.is_some()));
}

#[test]
fn openinference_tool_spans_without_hidden_ids_still_match() {
    let name = "node__langgraph-openinference__lost_update.otlp.jsonl";
    let truth = normalize(load(name));
    let mut spans = load(name);
    // Tool outputs that are plain text (no serialized ToolMessage): ids gone.
    for s in spans
        .iter_mut()
        .filter(|s| s.attr_str("openinference.span.kind") == Some("TOOL"))
    {
        for kv in s
            .attributes
            .iter_mut()
            .filter(|kv| kv.key == "output.value")
        {
            kv.value = fanout::model::AnyValue::String("done".into());
        }
    }
    let run = normalize(spans);
    assert_eq!(batches(&run), batches(&truth));
    assert!(run
        .tool_calls
        .iter()
        .all(|c| c.matched_by == MatchEvidence::NameAndArguments));
}
