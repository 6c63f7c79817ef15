//! OTLP log records: GenAI instrumentations of semantic conventions v1.28–v1.36 put message
//! content in log events (`gen_ai.choice`, `gen_ai.*.message`) rather than on spans. Logs read from
//! their own file, in any order relative to the spans, attach to their spans as events, and
//! normalization rebuilds the batch and the final answer from them. Re-ingesting changes nothing
//! (on SQLite and on PostgreSQL).

mod common;
use common::{ingest_ok as ingest, write_file as write};

use fanout::ingest::OnInvalid;

const TRACE: &str = "0af7651916cd43dd8448eb211c80319c";

fn span(id: &str, parent: Option<&str>, name: &str, start: u64, end: u64, attrs: &str) -> String {
    let parent = parent
        .map(|p| format!(r#""parentSpanId":"{p}","#))
        .unwrap_or_default();
    format!(
        r#"{{"traceId":"{TRACE}","spanId":"{id}",{parent}"name":"{name}","kind":1,"startTimeUnixNano":"{start}","endTimeUnixNano":"{end}","attributes":[{attrs}]}}"#
    )
}

fn s(key: &str, v: &str) -> String {
    format!(r#"{{"key":"{key}","value":{{"stringValue":"{v}"}}}}"#)
}

fn spans_doc() -> String {
    let root = "a000000000000001";
    let spans = [
        span(
            "c000000000000001",
            Some(root),
            "chat gpt-4o",
            100,
            200,
            &[
                s("gen_ai.operation.name", "chat"),
                s("gen_ai.system", "openai"),
            ]
            .join(","),
        ),
        span(
            "e000000000000001",
            Some(root),
            "execute_tool deposit",
            210,
            400,
            &[
                s("gen_ai.operation.name", "execute_tool"),
                s("gen_ai.tool.name", "deposit"),
                s("gen_ai.tool.call.id", "call_a"),
            ]
            .join(","),
        ),
        span(
            "e000000000000002",
            Some(root),
            "execute_tool deposit",
            210,
            420,
            &[
                s("gen_ai.operation.name", "execute_tool"),
                s("gen_ai.tool.name", "deposit"),
                s("gen_ai.tool.call.id", "call_b"),
            ]
            .join(","),
        ),
        span(
            "c000000000000002",
            Some(root),
            "chat gpt-4o",
            430,
            500,
            &[
                s("gen_ai.operation.name", "chat"),
                s("gen_ai.system", "openai"),
            ]
            .join(","),
        ),
        span(
            root,
            None,
            "invoke_agent billing",
            90,
            510,
            &s("gen_ai.operation.name", "invoke_agent"),
        ),
    ];
    format!(
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[{}]}},"scopeSpans":[{{"scope":{{"name":"opentelemetry.instrumentation.openai_v2"}},"spans":[{}]}}]}}]}}"#,
        s("service.name", "billing"),
        spans.join(",")
    )
}

fn kv(key: &str, value: &str) -> String {
    format!(r#"{{"key":"{key}","value":{value}}}"#)
}

fn tool_call(id: &str, amount: u32) -> String {
    format!(
        r#"{{"kvlistValue":{{"values":[{},{},{}]}}}}"#,
        kv("id", &format!(r#"{{"stringValue":"{id}"}}"#)),
        kv("type", r#"{"stringValue":"function"}"#),
        kv(
            "function",
            &format!(
                r#"{{"kvlistValue":{{"values":[{},{}]}}}}"#,
                kv("name", r#"{"stringValue":"deposit"}"#),
                kv(
                    "arguments",
                    &format!(
                        r#"{{"stringValue":"{{\"account_id\":\"A-1\",\"amount\":{amount}}}"}}"#
                    )
                )
            )
        )
    )
}

/// Log records of the v1.28–v1.36 form: the event name in the `event.name` attribute, the
/// payload in a structured body.
fn logs_doc() -> String {
    let first = format!(
        r#"{{"timeUnixNano":"200","traceId":"{TRACE}","spanId":"c000000000000001","attributes":[{}],"body":{{"kvlistValue":{{"values":[{},{},{}]}}}}}}"#,
        s("event.name", "gen_ai.choice"),
        kv("index", r#"{"intValue":"0"}"#),
        kv("finish_reason", r#"{"stringValue":"tool_calls"}"#),
        kv(
            "message",
            &format!(
                r#"{{"kvlistValue":{{"values":[{},{}]}}}}"#,
                kv("role", r#"{"stringValue":"assistant"}"#),
                kv(
                    "tool_calls",
                    &format!(
                        r#"{{"arrayValue":{{"values":[{},{}]}}}}"#,
                        tool_call("call_a", 10),
                        tool_call("call_b", 20)
                    )
                )
            )
        )
    );
    let last = format!(
        r#"{{"timeUnixNano":"500","traceId":"{TRACE}","spanId":"c000000000000002","eventName":"gen_ai.choice","body":{{"kvlistValue":{{"values":[{},{},{}]}}}}}}"#,
        kv("index", r#"{"intValue":"0"}"#),
        kv("finish_reason", r#"{"stringValue":"stop"}"#),
        kv(
            "message",
            &format!(
                r#"{{"kvlistValue":{{"values":[{},{}]}}}}"#,
                kv("role", r#"{"stringValue":"assistant"}"#),
                kv("content", r#"{"stringValue":"The balance is now 120."}"#)
            )
        )
    );
    format!(
        r#"{{"resourceLogs":[{{"resource":{{"attributes":[]}},"scopeLogs":[{{"scope":{{"name":"opentelemetry.instrumentation.openai_v2"}},"logRecords":[{first},{last}]}}]}}]}}"#
    )
}

#[test]
fn log_events_in_their_own_file_rebuild_the_batch_and_the_answer() {
    // Stored logs wait for their spans on either store.
    common::stores::each_store(
        "log_events_in_their_own_file_rebuild_the_batch_and_the_answer",
        logs_then_spans,
    );
}

fn logs_then_spans(db: &common::stores::TestDb) {
    let dir = &db.dir;
    let logs = write(dir.path(), "logs.jsonl", &logs_doc());
    let spans = write(dir.path(), "spans.jsonl", &spans_doc());
    let mut store = db.open();
    // Logs first: they wait in the store for their spans.
    ingest(&mut store, &[logs.clone(), spans]);
    let trace = store.load_trace(TRACE.parse().unwrap()).unwrap().unwrap();
    let chat = trace
        .spans
        .iter()
        .find(|s| s.span_id.to_string() == "c000000000000001")
        .unwrap();
    assert_eq!(chat.events.len(), 1);
    assert_eq!(chat.events[0].name, "gen_ai.choice");

    let a = fanout::analysis::analyze_trace(&trace, &Default::default());
    let run = &a.run;
    assert_eq!(run.batches.len(), 1, "{run:#?}");
    let ids: Vec<_> = run.batches[0]
        .calls
        .iter()
        .map(|&c| run.tool_calls[c].call_id.clone().unwrap())
        .collect();
    assert_eq!(ids, ["call_a", "call_b"]);
    assert_eq!(
        run.tool_calls[0].arguments,
        Some(serde_json::json!({"account_id": "A-1", "amount": 10}))
    );
    assert_eq!(
        run.final_answer.as_ref().map(|f| f.text.as_str()),
        Some("The balance is now 120.")
    );

    // Re-ingesting the logs stores nothing new.
    let again = ingest(&mut store, &[logs]);
    assert!(again[0].already_ingested);
    assert_eq!(
        store
            .load_trace(TRACE.parse().unwrap())
            .unwrap()
            .unwrap()
            .spans[1]
            .events
            .len(),
        chat.events.len()
    );
}

#[test]
fn a_bad_log_record_names_its_field() {
    let bad = logs_doc().replacen(TRACE, "not-a-trace-id", 1);
    let mut sink = fanout::ingest::VecSink::default();
    let err = fanout::ingest::read_any(
        "logs.jsonl",
        bad.as_bytes(),
        None,
        OnInvalid::Fail,
        &mut sink,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("logs.jsonl:1: resourceLogs[0].scopeLogs[0].logRecords[0].traceId"),
        "{err}"
    );
}
