//! The native JSONL reader against the bundled samples (sample-traces/*.native.jsonl, checked
//! against expected.json and the OTLP twin of each sample) and against broken inputs.

use std::collections::BTreeMap;
use std::path::PathBuf;

use fanout::ingest::native;
use fanout::ingest::{IngestError, Location, OnInvalid, ReadError, ReadStats, VecSink};
use fanout::model::{AnyValue, Span, SpanKind, StatusCode};
use serde_json::Value;

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-traces")
}

fn expected() -> Value {
    let text = std::fs::read_to_string(samples().join("expected.json")).expect("expected.json");
    serde_json::from_str(&text).expect("expected.json is JSON")
}

fn read(name: &str, text: &[u8], on_invalid: OnInvalid) -> Result<(ReadStats, VecSink), ReadError> {
    let mut sink = VecSink::default();
    let stats = native::read(name, text, on_invalid, &mut sink)?;
    Ok((stats, sink))
}

fn read_ok(name: &str, text: &str) -> Vec<Span> {
    match read(name, text.as_bytes(), OnInvalid::Fail) {
        Ok((_, sink)) => sink.spans,
        Err(e) => panic!("{name} should parse: {e}"),
    }
}

fn read_err(text: &str) -> IngestError {
    match read("bad.jsonl", text.as_bytes(), OnInvalid::Fail) {
        Err(ReadError::Invalid(e)) => e,
        Err(other) => panic!("expected an ingest error, got {other}"),
        Ok(_) => panic!("expected an error for:\n{text}"),
    }
}

fn op(span: &Span) -> &str {
    span.attr_str("gen_ai.operation.name").unwrap_or("")
}

fn json_attr(span: &Span, key: &str) -> Value {
    span.attr(key)
        .map(AnyValue::to_json_parsed)
        .unwrap_or(Value::Null)
}

fn strings(span: &Span, key: &str) -> Vec<String> {
    match span.attr(key) {
        Some(AnyValue::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// The OTLP twin's execute_tool spans, by call id: (start, end, arguments, result).
fn otlp_tools(name: &str) -> BTreeMap<String, (u64, u64, Value, Value)> {
    let text =
        std::fs::read_to_string(samples().join(format!("{name}.otlp.json"))).expect("otlp sample");
    let doc: Value = serde_json::from_str(&text).expect("otlp sample is JSON");
    let mut out = BTreeMap::new();
    let spans = doc["resourceSpans"][0]["scopeSpans"][0]["spans"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for s in spans {
        let attr = |k: &str| {
            s["attributes"]
                .as_array()
                .and_then(|a| a.iter().find(|kv| kv["key"] == k))
                .and_then(|kv| kv["value"]["stringValue"].as_str())
                .map(str::to_owned)
        };
        if let Some(id) = attr("gen_ai.tool.call.id") {
            let parse = |v: Option<String>| {
                v.map_or(Value::Null, |t| {
                    serde_json::from_str(&t).expect("JSON attr")
                })
            };
            let time = |k: &str| s[k].as_str().and_then(|t| t.parse().ok()).expect("time");
            out.insert(
                id,
                (
                    time("startTimeUnixNano"),
                    time("endTimeUnixNano"),
                    parse(attr("gen_ai.tool.call.arguments")),
                    parse(attr("gen_ai.tool.call.result")),
                ),
            );
        }
    }
    out
}

#[test]
fn every_native_sample_becomes_the_expected_spans() {
    let exp = expected();
    let traces = exp["traces"].as_object().expect("traces");
    assert_eq!(traces.len(), 8);
    for (name, want) in traces {
        let file = format!("{name}.native.jsonl");
        let text = std::fs::read_to_string(samples().join(&file)).expect("native sample");
        let spans = read_ok(&file, &text);

        assert_eq!(
            spans.len() as u64,
            want["span_count"].as_u64().unwrap(),
            "{name}: span count"
        );
        let root = &spans[0];
        assert_eq!(
            root.trace_id.to_hex(),
            want["native_trace_id"].as_str().unwrap(),
            "{name}: trace id"
        );
        assert!(spans.iter().all(|s| s.trace_id == root.trace_id));
        assert_eq!(root.parent_span_id, None);
        assert_eq!(
            root.name,
            format!("invoke_agent {}", want["agent"].as_str().unwrap())
        );
        assert_eq!(op(root), "invoke_agent");
        assert_eq!(root.resource.service_name(), want["service"].as_str());
        let resource_attr = |k: &str| {
            root.resource
                .attributes
                .iter()
                .find(|kv| kv.key == k)
                .and_then(|kv| kv.value.as_str())
        };
        assert_eq!(resource_attr("fanout.source.format"), Some("native"));
        assert_eq!(
            resource_attr("fanout.timing"),
            None,
            "{name}: samples are timed"
        );
        assert!(spans[1..]
            .iter()
            .all(|s| s.parent_span_id == Some(root.span_id)));
        assert!(
            spans
                .iter()
                .all(|s| s.attr_str("fanout.source.record").is_some()),
            "{name}: raw records kept"
        );
        assert!(spans[1..]
            .iter()
            .all(|s| s.start_unix_nano >= root.start_unix_nano
                && s.end_unix_nano <= root.end_unix_nano));

        let final_text = want["final_answer"]["text"].as_str().unwrap();
        assert_eq!(
            json_attr(root, "gen_ai.output.messages")[0]["parts"][0]["content"],
            final_text
        );
        assert!(root.events.iter().any(|e| e.name == "fanout.final_answer"));

        let chats: Vec<&Span> = spans.iter().filter(|s| op(s) == "chat").collect();
        assert_eq!(
            chats.len() as u64,
            want["model_call_count"].as_u64().unwrap(),
            "{name}: model calls"
        );
        assert!(chats
            .iter()
            .all(|s| s.kind == SpanKind::Client && s.name.starts_with("chat ")));
        let tools: Vec<&Span> = spans.iter().filter(|s| op(s) == "execute_tool").collect();
        assert_eq!(
            tools.len() as u64,
            want["tool_call_count"].as_u64().unwrap(),
            "{name}: tool calls"
        );

        // Each batch of expected.json is the tool_call parts of its model call's output, in order.
        for batch in want["batches"].as_array().unwrap() {
            let mc = chats[batch["model_call"].as_u64().unwrap() as usize];
            let emitted: Vec<Value> = json_attr(mc, "gen_ai.output.messages")[0]["parts"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["type"] == "tool_call")
                .map(|p| p["id"].clone())
                .collect();
            assert_eq!(
                &Value::Array(emitted),
                &batch["calls"],
                "{name}: batch {}",
                batch["id"]
            );
            assert_eq!(strings(mc, "gen_ai.response.finish_reasons").len(), 1);
        }

        // Same ids, times, arguments and results as the OTLP twin.
        let twin = otlp_tools(name);
        assert_eq!(twin.len(), tools.len());
        for t in &tools {
            let id = t.attr_str("gen_ai.tool.call.id").unwrap();
            let (start, end, args, result) = &twin[id];
            assert_eq!(
                (t.start_unix_nano, t.end_unix_nano),
                (*start, *end),
                "{name}: {id} times"
            );
            assert_eq!(
                &json_attr(t, "gen_ai.tool.call.arguments"),
                args,
                "{name}: {id} arguments"
            );
            assert_eq!(
                &json_attr(t, "gen_ai.tool.call.result"),
                result,
                "{name}: {id} result"
            );
            assert_eq!(
                t.name,
                format!("execute_tool {}", t.attr_str("gen_ai.tool.name").unwrap())
            );
        }
    }
}

#[test]
fn declared_accesses_and_failures_reach_the_tool_spans() {
    let text = std::fs::read_to_string(samples().join("lost_update.native.jsonl")).unwrap();
    let spans = read_ok("lost_update.native.jsonl", &text);
    let deposits: Vec<&Span> = spans
        .iter()
        .filter(|s| s.name == "execute_tool deposit")
        .collect();
    assert_eq!(deposits.len(), 2);
    for d in &deposits {
        assert_eq!(
            strings(d, "fanout.resource.read_writes"),
            ["account:ACC-1001"]
        );
        assert!(d.attr("fanout.resource.reads").is_none());
    }
    // The two deposits overlap in time, as recorded.
    assert!(deposits[0].start_unix_nano < deposits[1].end_unix_nano);
    assert!(deposits[1].start_unix_nano < deposits[0].end_unix_nano);

    let text = std::fs::read_to_string(samples().join("timing_dependency.native.jsonl")).unwrap();
    let spans = read_ok("timing_dependency.native.jsonl", &text);
    let add = spans
        .iter()
        .find(|s| s.name == "execute_tool add_to_session")
        .unwrap();
    assert_eq!(add.status.code, StatusCode::Error);
    assert_eq!(add.status.message, "session cart-4471 does not exist");
    assert_eq!(add.attr_str("error.type"), Some("SessionNotFoundError"));
    assert!(add.attr("gen_ai.tool.call.result").is_none());
    let create = spans
        .iter()
        .find(|s| s.name == "execute_tool create_session")
        .unwrap();
    assert_eq!(
        strings(create, "fanout.resource.writes"),
        ["session:cart-4471"]
    );
    assert_eq!(create.status.code, StatusCode::Unset);
}

const UNTIMED: &str = r#"{"fanout":"native","version":1}
{"type":"run","id":"support-run-42","service":"helpdesk","agent":"helper"}
{"type":"model_call","id":"m1","model":"gpt-4o","input":"hi","tool_calls":[{"id":"a","name":"get_x","arguments":{"k":1}},{"id":"b","name":"get_y","arguments":"{\"k\":2}"}]}
{"type":"tool_call","id":"b","name":"get_y","arguments":"{\"k\":2}","result":"plain text","extra_field":[1,2]}
{"type":"tool_call","id":"a","name":"get_x","arguments":{"k":1},"error":"boom"}
{"type":"model_call","id":"m2","model":"gpt-4o","output":"done","finish_reason":"end_turn"}
{"type":"final_answer","text":"done"}
"#;

#[test]
fn an_untimed_run_keeps_record_order_with_counter_ids() {
    let spans = read_ok("untimed.jsonl", UNTIMED);
    assert_eq!(spans.len(), 5);
    let ids: Vec<String> = spans.iter().map(|s| s.span_id.to_hex()).collect();
    assert_eq!(
        ids,
        [
            "0000000000000001",
            "0000000000000002",
            "0000000000000003",
            "0000000000000004",
            "0000000000000005"
        ]
    );
    assert!(spans
        .iter()
        .all(|s| s.start_unix_nano == 0 && s.end_unix_nano == 0));
    let timing = spans[0]
        .resource
        .attributes
        .iter()
        .find(|kv| kv.key == "fanout.timing");
    assert_eq!(timing.and_then(|kv| kv.value.as_str()), Some("absent"));
    let names: Vec<&str> = spans.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "invoke_agent helper",
            "chat gpt-4o",
            "execute_tool get_y",
            "execute_tool get_x",
            "chat gpt-4o"
        ]
    );
    // A string argument is kept as written; an error without a type gets OTel's `_OTHER`.
    assert_eq!(
        spans[2].attr_str("gen_ai.tool.call.arguments"),
        Some("{\"k\":2}")
    );
    assert_eq!(
        spans[2].attr_str("gen_ai.tool.call.result"),
        Some("plain text")
    );
    assert!(spans[2]
        .attr_str("fanout.source.record")
        .unwrap()
        .contains("extra_field"));
    assert_eq!(spans[3].attr_str("error.type"), Some("_OTHER"));
    assert_eq!(spans[3].status.message, "boom");
    // Input text becomes a user message; the finish reason keeps the provider's word on the span.
    assert_eq!(
        json_attr(&spans[1], "gen_ai.input.messages")[0]["parts"][0]["content"],
        "hi"
    );
    assert_eq!(
        strings(&spans[1], "gen_ai.response.finish_reasons"),
        ["tool_calls"]
    );
    assert_eq!(
        strings(&spans[4], "gen_ai.response.finish_reasons"),
        ["end_turn"]
    );
    assert_eq!(
        json_attr(&spans[4], "gen_ai.output.messages")[0]["finish_reason"],
        "stop"
    );
    assert_eq!(spans[0].attr_str("fanout.run.id"), Some("support-run-42"));
}

#[test]
fn trace_ids_are_stable_and_derived_when_the_run_has_no_trace_id() {
    let a = read_ok("a.jsonl", UNTIMED)[0].trace_id;
    let b = read_ok("b.jsonl", UNTIMED)[0].trace_id;
    assert_eq!(a, b, "same run id, same trace id");
    let other = read_ok(
        "c.jsonl",
        &UNTIMED.replace("support-run-42", "support-run-43"),
    )[0]
    .trace_id;
    assert_ne!(a, other);
    let no_run: String = UNTIMED
        .lines()
        .filter(|l| !l.contains("\"run\""))
        .map(|l| format!("{l}\n"))
        .collect();
    let x = read_ok("d.jsonl", &no_run);
    assert_eq!(x[0].trace_id, read_ok("e.jsonl", &no_run)[0].trace_id);
    assert_ne!(x[0].trace_id, a);
    assert_eq!(x[0].resource.service_name(), Some("unknown_service"));
    assert_eq!(x[0].name, "invoke_agent");
}

/// Asserts that `text` fails at `line` on `field` and that the message says so.
fn assert_fails(text: &str, line: usize, field: Option<&str>, words: &str) {
    let e = read_err(text);
    assert_eq!(e.file, "bad.jsonl");
    assert_eq!(e.location, Location::Line(line), "{e}");
    assert_eq!(e.field.as_deref(), field, "{e}");
    let shown = e.to_string();
    assert!(shown.starts_with(&format!("bad.jsonl:{line}: ")), "{shown}");
    if let Some(f) = field {
        assert!(shown.contains(f), "{shown}");
    }
    assert!(shown.contains(words), "'{words}' not in: {shown}");
}

const HEAD: &str = "{\"fanout\":\"native\",\"version\":1}\n";

#[test]
fn bad_inputs_name_file_line_and_field() {
    assert_fails(
        "{\"type\":\"run\",\"id\":\"x\"}\n",
        1,
        Some("fanout"),
        "missing header",
    );
    assert_fails(
        "\n\n{\"fanout\":\"native\",\"version\":2}\n",
        3,
        Some("version"),
        "upgrade fanout",
    );
    assert_fails(
        "{\"fanout\":\"native\",\"version\":\"1\"}\n",
        1,
        Some("version"),
        "positive integer",
    );
    assert_fails(
        "{\"fanout\":\"otlp\",\"version\":1}\n",
        1,
        Some("fanout"),
        "not a format",
    );
    let truncated =
        format!("{HEAD}{{\"type\":\"run\"}}\n{{\"type\":\"tool_call\",\"id\":\"c1\",\"na\n");
    assert_fails(&truncated, 3, None, "not valid JSON");
    assert_fails(
        &format!("{HEAD}{{\"type\":\"span\"}}\n"),
        2,
        Some("type"),
        "unknown record type 'span'",
    );
    assert_fails(
        &format!("{HEAD}{{\"id\":\"x\"}}\n"),
        2,
        Some("type"),
        "missing",
    );
    assert_fails(&format!("{HEAD}[1,2]\n"), 2, None, "JSON object");
    assert_fails(
        &format!("{HEAD}{{\"type\":\"tool_call\",\"id\":\"c1\"}}\n"),
        2,
        Some("name"),
        "missing",
    );
    assert_fails(
        &format!("{HEAD}{{\"type\":\"tool_call\",\"id\":7,\"name\":\"f\"}}\n"),
        2,
        Some("id"),
        "must be a string",
    );
    assert_fails(
        &format!("{HEAD}{{\"type\":\"tool_call\",\"id\":\"c\",\"name\":\"f\",\"started_at\":20,\"ended_at\":10}}\n"),
        2,
        Some("ended_at"),
        "ends before it starts",
    );
    assert_fails(
        &format!("{HEAD}{{\"type\":\"model_call\",\"id\":\"m\",\"tool_calls\":[{{\"id\":\"a\",\"name\":\"f\"}},{{\"name\":\"g\"}}]}}\n"),
        2,
        Some("tool_calls[1].id"),
        "missing",
    );
    assert_fails(
        &format!("{HEAD}{{\"type\":\"tool_call\",\"id\":\"c\",\"name\":\"f\",\"accesses\":[{{\"resource\":\"r\",\"mode\":\"rw\"}}]}}\n"),
        2,
        Some("accesses[0].mode"),
        "read_write",
    );
    assert_fails(
        &format!("{HEAD}{{\"type\":\"final_answer\"}}\n"),
        2,
        Some("text"),
        "missing",
    );
}

#[test]
fn rules_across_records_are_enforced() {
    let tc = |id: &str, times: &str| {
        format!("{{\"type\":\"tool_call\",\"id\":\"{id}\",\"name\":\"f\"{times}}}\n")
    };
    let timed = ",\"started_at\":10,\"ended_at\":20";
    assert_fails(
        &format!("{HEAD}{}{}", tc("a", ""), tc("a", "")),
        3,
        Some("id"),
        "already recorded on line 2",
    );
    assert_fails(
        &format!("{HEAD}{}{}", tc("a", timed), tc("b", "")),
        3,
        Some("started_at"),
        "line 2 has times",
    );
    assert_fails(
        &format!("{HEAD}{}{}", tc("a", ""), tc("b", timed)),
        3,
        Some("started_at"),
        "line 2 has no times",
    );
    let run = "{\"type\":\"run\"}\n";
    assert_fails(&format!("{HEAD}{run}{run}"), 3, Some("type"), "second run");
    let fa = "{\"type\":\"final_answer\",\"text\":\"x\",\"model_call\":\"m9\"}\n";
    assert_fails(
        &format!("{HEAD}{fa}"),
        2,
        Some("model_call"),
        "no model_call with id 'm9'",
    );
    let mc = |id: &str, call: &str| {
        format!("{{\"type\":\"model_call\",\"id\":\"{id}\",\"tool_calls\":[{{\"id\":\"{call}\",\"name\":\"f\"}}]}}\n")
    };
    assert_fails(
        &format!("{HEAD}{}{}", mc("m1", "c"), mc("m2", "c")),
        3,
        Some("tool_calls[0].id"),
        "already emitted by model_call 'm1'",
    );
    assert_fails(
        &format!("{HEAD}{}{}", mc("m1", "c"), mc("m1", "d")),
        3,
        Some("id"),
        "already used on line 2",
    );
}

#[test]
fn skip_mode_reports_bad_lines_and_keeps_the_rest() {
    let text = std::fs::read_to_string(samples().join("lost_update.native.jsonl")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines.insert(3, "{\"type\":\"tool_call\",\"id\":\"broken\"}".to_owned());
    lines.insert(5, "not json at all".to_owned());
    let broken = lines.join("\n");
    let (stats, sink) =
        read("skip.jsonl", broken.as_bytes(), OnInvalid::Skip).expect("skip mode reads on");
    assert_eq!(stats.skipped, 2);
    assert_eq!(stats.spans, 5);
    assert_eq!(sink.spans.len(), 5);
    let where_: Vec<(Location, Option<String>)> = sink
        .skipped
        .iter()
        .map(|e| (e.location, e.field.clone()))
        .collect();
    assert_eq!(
        where_,
        [
            (Location::Line(4), Some("name".to_owned())),
            (Location::Line(6), None)
        ]
    );
    assert!(read("skip.jsonl", broken.as_bytes(), OnInvalid::Fail).is_err());
    // The header cannot be skipped.
    assert!(read(
        "skip.jsonl",
        b"garbage\n{\"type\":\"run\"}\n",
        OnInvalid::Skip
    )
    .is_err());
}

#[test]
fn empty_and_header_only_inputs() {
    assert!(
        matches!(read("e.jsonl", b"", OnInvalid::Fail), Err(ReadError::Invalid(e)) if e.location == Location::Whole)
    );
    assert!(matches!(
        read("e.jsonl", b"\n  \n", OnInvalid::Skip),
        Err(ReadError::Invalid(_))
    ));
    let (stats, sink) = read("h.jsonl", HEAD.as_bytes(), OnInvalid::Fail).unwrap();
    assert_eq!((stats.records, stats.spans, sink.spans.len()), (0, 0, 0));
    // CRLF line ends and a byte-order mark are fine.
    let crlf = format!("\u{feff}{}", UNTIMED.replace('\n', "\r\n"));
    assert_eq!(read_ok("crlf.jsonl", &crlf).len(), 5);
}

#[test]
fn garbage_never_panics() {
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    for entry in std::fs::read_dir(samples()).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().ends_with(".native.jsonl") {
            inputs.push(std::fs::read(path).unwrap());
        }
    }
    inputs.push(UNTIMED.as_bytes().to_vec());
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for bytes in &inputs {
        // Every prefix near the start, then every 13th: cut lines, cut UTF-8, cut numbers.
        let cuts = (0..bytes.len().min(400)).chain((400..bytes.len()).step_by(13));
        for cut in cuts {
            for mode in [OnInvalid::Fail, OnInvalid::Skip] {
                let _ = read("prefix.jsonl", &bytes[..cut], mode);
            }
        }
        // Flipped bytes.
        for _ in 0..200 {
            let mut copy = bytes.clone();
            for _ in 0..4 {
                seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let i = (seed >> 33) as usize % copy.len();
                copy[i] = (seed >> 17) as u8;
            }
            let _ = read("flipped.jsonl", &copy, OnInvalid::Skip);
        }
    }
}
