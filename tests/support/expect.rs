//! Test support: reads the corpus manifests (python `traces[]`, node `files[]`) into one
//! expectation shape, loads a trace file through the ingest entry point, and checks a
//! normalized run against the expectation. Shared by the corpus tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use fanout::model::{Run, Trace};
use serde_json::Value;

/// One expected tool call.
#[derive(Debug, Clone)]
pub struct ExpCall {
    pub id: String,
    pub tool: String,
    pub span: Option<String>,
}

/// One expected batch.
#[derive(Debug, Clone)]
pub struct ExpBatch {
    pub emitted_by: String,
    pub calls: Vec<ExpCall>,
}

/// What a trace file must normalize to.
#[derive(Debug, Clone)]
pub struct Expect {
    pub name: String,
    pub files: Vec<PathBuf>,
    pub batches: Vec<ExpBatch>,
    pub final_answer: String,
    pub final_answer_span: Option<String>,
}

fn s(v: &Value, k: &str) -> String {
    v.get(k)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Expectations of a python manifest entry (`traces[]`), files resolved against `dir`.
pub fn python_entry(entry: &Value, dir: &Path) -> Expect {
    let files = ["otlp_jsonl", "otlp_protobuf"]
        .iter()
        .filter_map(|k| entry.get("files")?.get(*k)?.as_str())
        .map(|f| dir.join(f))
        .collect();
    let batches = entry
        .get("batches")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|b| ExpBatch {
            emitted_by: s(b, "emitted_by_llm_span_id"),
            calls: b
                .get("calls")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|c| ExpCall {
                    id: s(c, "id"),
                    tool: s(c, "tool"),
                    span: c
                        .get("tool_span_id")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                })
                .collect(),
        })
        .collect();
    Expect {
        name: s(entry, "id"),
        files,
        batches,
        final_answer: s(entry, "final_answer"),
        final_answer_span: entry
            .get("final_answer_llm_span_id")
            .and_then(Value::as_str)
            .map(str::to_owned),
    }
}

/// Expectations of a node manifest entry (`files[]`), files resolved against `dir`.
pub fn node_entry(entry: &Value, dir: &Path) -> Expect {
    let mut files = vec![dir.join(s(entry, "file"))];
    for twin in entry
        .get("same_run_as")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(t) = twin.as_str() {
            files.push(dir.join(t));
        }
    }
    let batches = entry
        .get("batches")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|b| ExpBatch {
            emitted_by: s(b, "model_span_id"),
            calls: b
                .get("tool_calls")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|c| ExpCall {
                    id: s(c, "tool_call_id"),
                    tool: s(c, "tool_name"),
                    span: c.get("span_id").and_then(Value::as_str).map(str::to_owned),
                })
                .collect(),
        })
        .collect();
    // The answering model call: the last one, which emitted no tool call.
    let final_answer_span = entry
        .get("model_calls")
        .and_then(Value::as_array)
        .and_then(|m| m.last())
        .filter(|m| {
            m.get("tool_call_ids")
                .and_then(Value::as_array)
                .is_some_and(|a| a.is_empty())
        })
        .and_then(|m| m.get("span_id"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    Expect {
        name: s(entry, "file"),
        files,
        batches,
        final_answer: s(entry, "final_answer"),
        final_answer_span,
    }
}

/// Outcome of loading one file.
pub enum Loaded {
    Trace(Trace),
    /// The build cannot read this format yet (e.g. protobuf before its adapter is merged).
    Unsupported(String),
}

/// Loads a single-trace file through `fanout::ingest::load_path`.
pub fn load(path: &Path) -> Loaded {
    match fanout::ingest::load_path(path) {
        Ok(spans) => {
            let trace_id = spans.first().map(|s| s.trace_id).expect("file holds spans");
            assert!(
                spans.iter().all(|s| s.trace_id == trace_id),
                "{}: one trace per file",
                path.display()
            );
            Loaded::Trace(Trace::new(trace_id, spans))
        }
        Err(e) if e.to_string().contains("not supported by this build") => {
            Loaded::Unsupported(e.to_string())
        }
        Err(e) => panic!("{}: {e}", path.display()),
    }
}

/// Asserts that `run` matches `exp`; `what` names the file in messages.
pub fn check(run: &Run, exp: &Expect, what: &str) {
    let emitting: Vec<_> = run
        .batches
        .iter()
        .filter(|b| b.emitted_by.is_some())
        .collect();
    let got_ids: Vec<Vec<String>> = emitting
        .iter()
        .map(|b| {
            b.calls
                .iter()
                .map(|&c| run.tool_calls[c].call_id.clone().unwrap_or_default())
                .collect()
        })
        .collect();
    let want_ids: Vec<Vec<String>> = exp
        .batches
        .iter()
        .map(|b| b.calls.iter().map(|c| c.id.clone()).collect())
        .collect();
    assert_eq!(got_ids, want_ids, "{what}: call ids per batch");
    assert_eq!(
        emitting.len(),
        run.batches.len(),
        "{what}: no orphan batches expected"
    );
    for (i, (b, e)) in emitting.iter().zip(&exp.batches).enumerate() {
        assert_eq!(b.id, format!("b{}", i + 1), "{what}: batch id");
        let mc = &run.model_calls[b.emitted_by.unwrap()];
        assert_eq!(
            mc.span_id.map(|s| s.to_hex()).as_deref(),
            Some(e.emitted_by.as_str()),
            "{what}: emitting model call of b{}",
            i + 1
        );
        for (&ci, ec) in b.calls.iter().zip(&e.calls) {
            let tc = &run.tool_calls[ci];
            assert_eq!(tc.name, ec.tool, "{what}: tool name of {}", ec.id);
            if let Some(span) = &ec.span {
                assert_eq!(
                    tc.span_id.map(|s| s.to_hex()).as_ref(),
                    Some(span),
                    "{what}: tool span of {}",
                    ec.id
                );
            }
            assert!(tc.arguments.is_some(), "{what}: arguments of {}", ec.id);
            assert!(tc.result.is_some(), "{what}: result of {}", ec.id);
        }
    }
    let fa = run
        .final_answer
        .as_ref()
        .unwrap_or_else(|| panic!("{what}: no final answer"));
    assert_eq!(fa.text, exp.final_answer, "{what}: final answer");
    if let Some(span) = &exp.final_answer_span {
        assert_eq!(
            fa.span_id.map(|s| s.to_hex()).as_ref(),
            Some(span),
            "{what}: final answer span"
        );
    }
}
