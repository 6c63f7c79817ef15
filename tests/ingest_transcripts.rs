//! Chat transcripts (OpenAI Chat Completions, OpenAI Responses, Anthropic Messages) become
//! synthetic spans following the "Synthetic spans" contract: one root, one `chat` span per
//! assistant message whose output holds its batch, one `execute_tool` span per answered call.

use std::path::PathBuf;

use fanout::ingest::transcript::{self, anthropic, openai_chat, openai_responses};
use fanout::ingest::{read_any, Format, Location, OnInvalid, ReadError, VecSink};
use fanout::model::{AnyValue, Span, StatusCode};
use serde_json::{json, Value};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/transcripts")
        .join(name)
}

/// Reads a fixture with format detection; returns the detected format and the spans.
fn load(name: &str) -> (Format, Vec<Span>) {
    let bytes = std::fs::read(fixture(name)).unwrap();
    let mut sink = VecSink::default();
    let (format, stats) = read_any(name, &bytes[..], None, OnInvalid::Fail, &mut sink)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(stats.spans, sink.spans.len());
    assert!(sink.skipped.is_empty());
    (format, sink.spans)
}

fn op<'a>(spans: &'a [Span], name: &str) -> Vec<&'a Span> {
    spans
        .iter()
        .filter(|s| s.attr_str("gen_ai.operation.name") == Some(name))
        .collect()
}

fn json_attr(span: &Span, key: &str) -> Value {
    serde_json::from_str(
        span.attr_str(key)
            .unwrap_or_else(|| panic!("{key} missing on {}", span.name)),
    )
    .unwrap()
}

/// The tool-call ids a chat span emitted, in order (its batch).
fn batch(chat: &Span) -> Vec<String> {
    let out = json_attr(chat, "gen_ai.output.messages");
    out[0]["parts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["type"] == "tool_call")
        .map(|p| p["id"].as_str().unwrap_or("<none>").to_owned())
        .collect()
}

fn output_text(chat: &Span) -> String {
    let out = json_attr(chat, "gen_ai.output.messages");
    out[0]["parts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["type"] == "text")
        .map(|p| p["content"].as_str().unwrap())
        .collect()
}

fn tool<'a>(spans: &'a [Span], call_id: &str) -> Option<&'a Span> {
    op(spans, "execute_tool")
        .into_iter()
        .find(|s| s.attr_str("gen_ai.tool.call.id") == Some(call_id))
}

/// What every synthetic trace must satisfy, whatever the dialect.
fn assert_contract(spans: &[Span], format: &str) {
    let root = &spans[0];
    assert_eq!(root.attr_str("gen_ai.operation.name"), Some("invoke_agent"));
    assert!(root.parent_span_id.is_none());
    for (i, s) in spans.iter().enumerate() {
        assert_eq!(
            s.span_id.to_hex(),
            format!("{:016x}", i + 1),
            "counter span ids in record order"
        );
        assert_eq!(
            (s.start_unix_nano, s.end_unix_nano),
            (0, 0),
            "no invented times"
        );
        assert_eq!(s.trace_id, root.trace_id);
        let res = &s.resource.attributes;
        let get = |k: &str| fanout::model::span::find_attr(res, k).and_then(AnyValue::as_str);
        assert_eq!(get("fanout.source.format"), Some(format));
        assert_eq!(get("fanout.timing"), Some("absent"));
        assert!(get("service.name").is_some());
        assert!(
            s.attr_str("fanout.source.record").is_some(),
            "{} keeps its source record",
            s.name
        );
        if i > 0 {
            assert_eq!(s.parent_span_id, Some(root.span_id));
        }
    }
}

#[test]
fn openai_chat_parallel_calls_are_one_batch_with_two_executions() {
    let (format, spans) = load("openai_chat_parallel.json");
    assert_eq!(format, Format::OpenaiChat);
    assert_contract(&spans, "openai-chat");
    let chats = op(&spans, "chat");
    assert_eq!(chats.len(), 2);
    assert_eq!(batch(chats[0]), ["call_dep10", "call_dep20"]);
    assert_eq!(
        chats[0].attr_str("gen_ai.request.model"),
        Some("gpt-4o-2024-08-06")
    );
    assert_eq!(chats[0].name, "chat gpt-4o-2024-08-06");
    let reasons = chats[0].attr("gen_ai.response.finish_reasons");
    assert_eq!(
        reasons,
        Some(&AnyValue::Array(vec![AnyValue::String(
            "tool_calls".into()
        )]))
    );
    assert_eq!(
        json_attr(chats[0], "gen_ai.output.messages")[0]["finish_reason"],
        "tool_call"
    );
    let args = &json_attr(chats[0], "gen_ai.output.messages")[0]["parts"][0]["arguments"];
    assert_eq!(
        args,
        &json!({"account_id": "ACC-1001", "amount": 10}),
        "valid arguments are parsed in parts"
    );

    let tools = op(&spans, "execute_tool");
    assert_eq!(tools.len(), 2);
    // Results arrive in record order: call_dep20 first.
    assert_eq!(tools[0].attr_str("gen_ai.tool.call.id"), Some("call_dep20"));
    let t10 = tool(&spans, "call_dep10").unwrap();
    assert_eq!(t10.name, "execute_tool deposit");
    assert_eq!(t10.attr_str("gen_ai.tool.name"), Some("deposit"));
    assert_eq!(
        json_attr(t10, "gen_ai.tool.call.arguments"),
        json!({"account_id": "ACC-1001", "amount": 10})
    );
    assert_eq!(
        t10.attr_str("gen_ai.tool.call.result"),
        Some("{\"balance\": 110}"),
        "text blocks become text"
    );
    assert_eq!(t10.status.code, StatusCode::Unset);

    // The final chat span sees the whole history, results included, and holds the final answer.
    let input = json_attr(chats[1], "gen_ai.input.messages");
    let roles: Vec<_> = input
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["system", "user", "assistant", "tool", "tool"]);
    assert_eq!(
        input[3]["parts"][0],
        json!({"type": "tool_call_response", "id": "call_dep20", "response": "{\"balance\": 120}"})
    );
    assert_eq!(output_text(chats[1]), "Done. The new balance is $120.");
    assert!(batch(chats[1]).is_empty());
    // The root keeps the whole document.
    let root_record = spans[0].attr_str("fanout.source.record").unwrap();
    assert_eq!(
        root_record,
        std::fs::read_to_string(fixture("openai_chat_parallel.json"))
            .unwrap()
            .trim()
    );
}

#[test]
fn openai_chat_edge_cases_unanswered_invalid_arguments_and_legacy_functions() {
    let (format, spans) = load("openai_chat_edge_cases.jsonl");
    assert_eq!(format, Format::OpenaiChat);
    assert_contract(&spans, "openai-chat");
    let chats = op(&spans, "chat");
    assert_eq!(chats.len(), 3);
    assert_eq!(batch(chats[0]), ["call_a", "call_b", "call_c"]);
    assert_eq!(output_text(chats[0]), "Reading the three files.");
    // Invalid arguments JSON is kept as the string it was, in parts and on the tool span.
    let parts = json_attr(chats[0], "gen_ai.output.messages");
    assert_eq!(
        parts[0]["parts"][1]["arguments"],
        json!("{\"path\": \"a.txt\"")
    );
    assert_eq!(
        tool(&spans, "call_a")
            .unwrap()
            .attr_str("gen_ai.tool.call.arguments"),
        Some("{\"path\": \"a.txt\"")
    );
    // call_c was never answered: no execution span.
    assert!(tool(&spans, "call_c").is_none());
    // Legacy function_call: no id; answered by the role:"function" message, matched by name.
    assert_eq!(batch(chats[1]), ["<none>"]);
    let tools = op(&spans, "execute_tool");
    assert_eq!(tools.len(), 3);
    let summarize = tools
        .iter()
        .find(|t| t.attr_str("gen_ai.tool.name") == Some("summarize"))
        .unwrap();
    assert!(summarize.attr_str("gen_ai.tool.call.id").is_none());
    assert_eq!(
        json_attr(summarize, "gen_ai.tool.call.arguments"),
        json!({"text": "contents of b"})
    );
    assert_eq!(
        summarize.attr_str("gen_ai.tool.call.result"),
        Some("b is short")
    );
    assert_eq!(
        output_text(chats[2]),
        "Only b.txt could be read: b is short."
    );
    // JSONL records keep their own line verbatim.
    let record = chats[2].attr_str("fanout.source.record").unwrap();
    assert_eq!(
        record,
        r#"{"role": "assistant", "content": "Only b.txt could be read: b is short."}"#
    );
}

#[test]
fn openai_chat_response_body_is_one_model_call_with_its_batch() {
    let (format, spans) = load("openai_chat_response.json");
    assert_eq!(format, Format::OpenaiChat);
    assert_contract(&spans, "openai-chat");
    let chats = op(&spans, "chat");
    assert_eq!(chats.len(), 1);
    assert_eq!(batch(chats[0]), ["call_w1", "call_w2"]);
    let out = json_attr(chats[0], "gen_ai.output.messages");
    let reasoning = json!({"type": "reasoning", "content": "Two cities, two independent lookups."});
    assert_eq!(out[0]["parts"][0], reasoning);
    let reasons = chats[0].attr("gen_ai.response.finish_reasons");
    assert_eq!(
        reasons,
        Some(&AnyValue::Array(vec![AnyValue::String(
            "tool_calls".into()
        )]))
    );
    assert_eq!(
        chats[0].attr_str("gen_ai.request.model"),
        Some("gpt-4o-mini")
    );
    assert!(
        op(&spans, "execute_tool").is_empty(),
        "calls never answered get no execution span"
    );
}

#[test]
fn openai_responses_join_results_on_call_id_not_item_id() {
    let (format, spans) = load("openai_responses_items.json");
    assert_eq!(format, Format::OpenaiResponses);
    assert_contract(&spans, "openai-responses");
    let chats = op(&spans, "chat");
    assert_eq!(
        chats.len(),
        2,
        "reasoning + two function calls are one model response"
    );
    assert_eq!(batch(chats[0]), ["call_locale", "call_greet"]);
    let out = json_attr(chats[0], "gen_ai.output.messages");
    assert_eq!(
        out[0]["parts"][0],
        json!({"type": "reasoning", "content": "Two independent calls."})
    );
    let locale = tool(&spans, "call_locale").unwrap();
    assert_eq!(locale.attr_str("gen_ai.tool.name"), Some("set_locale"));
    assert_eq!(
        locale.attr_str("gen_ai.tool.call.result"),
        Some("{\"ok\":true}")
    );
    assert!(op(&spans, "execute_tool").iter().all(|t| !t
        .attr_str("gen_ai.tool.call.id")
        .unwrap()
        .starts_with("fc_")));
    assert_eq!(output_text(chats[1]), "I greeted the user with: Hello!");
    // The grouped model response keeps all its items verbatim.
    let record: Value =
        serde_json::from_str(chats[0].attr_str("fanout.source.record").unwrap()).unwrap();
    assert_eq!(record.as_array().unwrap().len(), 3);
}

#[test]
fn openai_responses_multi_turn_jsonl_with_an_unanswered_call() {
    let (format, spans) = load("openai_responses_turns.jsonl");
    assert_eq!(format, Format::OpenaiResponses);
    assert_contract(&spans, "openai-responses");
    let chats = op(&spans, "chat");
    assert_eq!(chats.len(), 3);
    assert_eq!(batch(chats[0]), ["call_lookup", "call_never"]);
    assert_eq!(batch(chats[1]), ["call_refund"]);
    assert!(tool(&spans, "call_never").is_none());
    let parts = json_attr(chats[0], "gen_ai.output.messages");
    assert_eq!(parts[0]["parts"][1]["arguments"], json!("not json at all"));
    assert_eq!(
        tool(&spans, "call_lookup")
            .unwrap()
            .attr_str("gen_ai.tool.call.result"),
        Some("order 42: paid")
    );
    assert_eq!(output_text(chats[2]), "Order 42 was refunded.");
    let input = json_attr(chats[2], "gen_ai.input.messages");
    assert_eq!(
        input[0],
        json!({"role": "user", "parts": [{"type": "text", "content": "Look up order 42 and refund it."}]})
    );
}

#[test]
fn openai_responses_body_with_string_input_and_instructions() {
    let (format, spans) = load("openai_responses_body.json");
    assert_eq!(format, Format::OpenaiResponses);
    let chats = op(&spans, "chat");
    assert_eq!(chats.len(), 1);
    assert_eq!(chats[0].attr_str("gen_ai.request.model"), Some("gpt-4.1"));
    let input = json_attr(chats[0], "gen_ai.input.messages");
    assert_eq!(input[0]["role"], "system");
    assert_eq!(
        input[1]["parts"][0]["content"],
        "What is 2+2? Use the calculator."
    );
    assert_eq!(batch(chats[0]), ["call_calc"]);
}

#[test]
fn anthropic_tool_use_batches_error_results_and_multi_turn() {
    let (format, spans) = load("anthropic_request.json");
    assert_eq!(format, Format::Anthropic);
    assert_contract(&spans, "anthropic");
    let chats = op(&spans, "chat");
    assert_eq!(chats.len(), 3);
    assert_eq!(batch(chats[0]), ["toolu_01", "toolu_02"]);
    assert_eq!(batch(chats[1]), ["toolu_03"]);
    assert_eq!(
        chats[0].attr_str("gen_ai.request.model"),
        Some("claude-sonnet-4-5")
    );
    let out = json_attr(chats[0], "gen_ai.output.messages");
    assert_eq!(
        out[0]["parts"][1]["arguments"],
        json!({"path": "notes.txt", "line": "milk"})
    );
    let ok = tool(&spans, "toolu_01").unwrap();
    assert_eq!(ok.status.code, StatusCode::Unset);
    assert_eq!(
        json_attr(ok, "gen_ai.tool.call.arguments"),
        json!({"path": "notes.txt", "line": "milk"})
    );
    let failed = tool(&spans, "toolu_02").unwrap();
    assert_eq!(failed.status.code, StatusCode::Error);
    assert_eq!(failed.status.message, "file is locked");
    assert_eq!(failed.attr_str("error.type"), Some("tool_error"));
    assert_eq!(
        failed
            .attr_str("fanout.source.record")
            .map(|r| r.contains("\"is_error\": true")),
        Some(true)
    );
    assert_eq!(
        tool(&spans, "toolu_03")
            .unwrap()
            .attr_str("gen_ai.tool.call.result"),
        Some("milk\n")
    );
    let input = json_attr(chats[0], "gen_ai.input.messages");
    assert_eq!(
        input[0],
        json!({"role": "system", "parts": [{"type": "text", "content": "You manage a shared notes file."}]})
    );
    assert_eq!(
        output_text(chats[2]),
        "notes.txt now contains: milk (eggs failed: file is locked)."
    );
}

#[test]
fn anthropic_jsonl_with_thinking_and_an_unanswered_call() {
    let (format, spans) = load("anthropic_messages.jsonl");
    assert_eq!(format, Format::Anthropic);
    assert_contract(&spans, "anthropic");
    let chats = op(&spans, "chat");
    assert_eq!(batch(chats[0]), ["toolu_a", "toolu_b"]);
    let out = json_attr(chats[0], "gen_ai.output.messages");
    assert_eq!(
        out[0]["parts"][0],
        json!({"type": "reasoning", "content": "Check both at once."})
    );
    assert!(tool(&spans, "toolu_a").is_some());
    assert!(tool(&spans, "toolu_b").is_none());
    assert_eq!(op(&spans, "execute_tool").len(), 1);
    assert_eq!(output_text(chats[1]), "api is up; db did not answer.");
    let input = json_attr(chats[1], "gen_ai.input.messages");
    assert_eq!(
        input[2]["parts"][1],
        json!({"type": "text", "content": "The db check timed out on my side."})
    );
}

#[test]
fn trace_ids_are_derived_from_content_and_stable() {
    let (_, a) = load("anthropic_request.json");
    let (_, b) = load("anthropic_request.json");
    assert_eq!(a[0].trace_id, b[0].trace_id);
    let (_, c) = load("anthropic_messages.jsonl");
    assert_ne!(a[0].trace_id, c[0].trace_id);
}

#[test]
fn jsonl_of_request_bodies_gives_one_trace_per_line() {
    let lines = concat!(
        r#"{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "A"}]}"#,
        "\n",
        r#"{"messages": [{"role": "user", "content": "b"}, {"role": "assistant", "content": "B"}]}"#,
        "\n"
    );
    let mut sink = VecSink::default();
    openai_chat::read("ft.jsonl", lines.as_bytes(), OnInvalid::Fail, &mut sink).unwrap();
    assert_eq!(sink.spans.len(), 4);
    assert_ne!(sink.spans[0].trace_id, sink.spans[2].trace_id);
}

#[test]
fn a_json_array_of_conversations_gives_one_trace_each() {
    let doc = r#"[
        {"system": "s", "messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": [{"type": "text", "text": "A"}]}]},
        {"messages": [{"role": "user", "content": "b"}, {"role": "assistant", "content": "B"}]}
    ]"#;
    assert_eq!(
        transcript::detect_bytes(doc.as_bytes()),
        Some(Format::Anthropic)
    );
    let mut sink = VecSink::default();
    anthropic::read("set.json", doc.as_bytes(), OnInvalid::Fail, &mut sink).unwrap();
    let roots: Vec<_> = sink
        .spans
        .iter()
        .filter(|s| s.parent_span_id.is_none())
        .collect();
    assert_eq!(roots.len(), 2);
    assert_ne!(roots[0].trace_id, roots[1].trace_id);
    let chats = op(&sink.spans, "chat");
    assert_eq!(
        chats.iter().map(|c| output_text(c)).collect::<Vec<_>>(),
        ["A", "B"]
    );
}

#[test]
fn long_histories_are_not_repeated_in_full_on_every_model_call() {
    // 12 turns of ~1 MB each: repeating the whole history would cost ~80 MB of inputs.
    let big = "x".repeat(1_000_000);
    let mut messages = Vec::new();
    for turn in 0..12 {
        messages.push(json!({"role": "user", "content": format!("{turn}{big}")}));
        messages.push(json!({"role": "assistant", "content": format!("answer {turn}")}));
    }
    let doc = serde_json::to_vec(&json!({"messages": messages})).unwrap();
    let mut sink = VecSink::default();
    openai_chat::read("long.json", &doc, OnInvalid::Fail, &mut sink).unwrap();
    let chats = op(&sink.spans, "chat");
    assert_eq!(chats.len(), 12);
    let early = json_attr(chats[1], "gen_ai.input.messages");
    assert_eq!(
        early.as_array().unwrap().len(),
        3,
        "the history is repeated whole at first"
    );
    assert!(chats[1].attr("fanout.input.elided_messages").is_none());
    let last = json_attr(chats[11], "gen_ai.input.messages");
    assert_eq!(
        last.as_array().unwrap().len(),
        1,
        "only the new user message"
    );
    assert!(last[0]["parts"][0]["content"]
        .as_str()
        .unwrap()
        .starts_with("11"));
    assert_eq!(
        chats[11].attr("fanout.input.elided_messages"),
        Some(&AnyValue::Int(22))
    );
    let total: usize = chats
        .iter()
        .map(|c| c.attr_str("gen_ai.input.messages").unwrap().len())
        .sum();
    assert!(total < 24_000_000, "inputs total {total} bytes");
}

fn read_err(
    read: fn(&str, &[u8], OnInvalid, &mut VecSink) -> Result<VecSink, ReadError>,
    text: &str,
) -> fanout::ingest::IngestError {
    match read(
        "bad.json",
        text.as_bytes(),
        OnInvalid::Fail,
        &mut VecSink::default(),
    ) {
        Err(ReadError::Invalid(e)) => e,
        other => panic!("expected an ingest error, got {other:?}"),
    }
}

fn chat(file: &str, b: &[u8], o: OnInvalid, s: &mut VecSink) -> Result<VecSink, ReadError> {
    openai_chat::read(file, b, o, s).map(|_| std::mem::take(s))
}
fn responses(file: &str, b: &[u8], o: OnInvalid, s: &mut VecSink) -> Result<VecSink, ReadError> {
    openai_responses::read(file, b, o, s).map(|_| std::mem::take(s))
}
fn claude(file: &str, b: &[u8], o: OnInvalid, s: &mut VecSink) -> Result<VecSink, ReadError> {
    anthropic::read(file, b, o, s).map(|_| std::mem::take(s))
}

#[test]
fn bad_records_name_file_line_and_field() {
    let e = read_err(chat, "{\"messages\": [\n {\"role\": \"user\", \"content\": \"hi\"},\n {\"content\": \"no role\"}\n]}");
    assert_eq!(
        (e.file.as_str(), e.location),
        ("bad.json", Location::Line(3))
    );
    assert_eq!(e.field.as_deref(), Some("messages[1].role"));

    let e = read_err(chat, "[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"function\":{\"arguments\":\"{}\"}}]}]");
    assert_eq!(e.field.as_deref(), Some("[0].tool_calls[0].function.name"));

    let e = read_err(responses, "{\"role\":\"user\",\"content\":\"x\"}\n{\"type\":\"function_call_output\",\"output\":\"y\"}\n");
    assert_eq!(
        (e.location, e.field.as_deref()),
        (Location::Line(2), Some("call_id"))
    );

    let e = read_err(
        claude,
        "{\"role\":\"user\",\"content\":\"x\"}\n{not json}\n",
    );
    assert_eq!(e.location, Location::Line(2));
    assert!(e.message.contains("not valid JSON"), "{e}");

    let e = read_err(claude, "{\"messages\": [\n  {\"role\": \"assistant\", \"content\": [{\"type\": \"tool_use\", \"id\": \"t\"}]}\n]}");
    assert_eq!(
        (e.location, e.field.as_deref()),
        (Location::Line(2), Some("messages[0].content[0].name"))
    );

    let e = read_err(chat, "[\n{\"role\": \"user\",\n \"content\": }\n]");
    assert_eq!(
        e.location,
        Location::Line(3),
        "a broken document is reported where the JSON breaks: {e}"
    );
    assert!(
        e.to_string().starts_with("bad.json:3: not valid JSON"),
        "{e}"
    );
}

#[test]
fn skipping_bad_records_keeps_the_rest() {
    let text = "{\"role\":\"user\",\"content\":\"x\"}\n{broken\n{\"content\":\"no role\"}\n{\"role\":\"assistant\",\"content\":\"done\"}\n";
    let mut sink = VecSink::default();
    let stats = openai_chat::read("s.jsonl", text.as_bytes(), OnInvalid::Skip, &mut sink).unwrap();
    assert_eq!(stats.skipped, 2);
    assert_eq!(sink.skipped.len(), 2);
    assert_eq!(sink.skipped[0].location, Location::Line(2));
    assert_eq!(sink.skipped[1].location, Location::Line(3));
    assert_eq!(op(&sink.spans, "chat").len(), 1);
}

#[test]
fn sniffing_tells_the_dialects_apart_and_leaves_other_formats_alone() {
    let sniff = |v: Value| transcript::sniff(&v);
    assert_eq!(sniff(json!({"resourceSpans": []})), None);
    assert_eq!(sniff(json!({"fanout": "native", "version": 1})), None);
    assert_eq!(sniff(json!({"kind": "tool_call", "name": "x"})), None);
    assert_eq!(
        sniff(json!([{"role": "user", "content": "hi"}])),
        Some(Format::OpenaiChat)
    );
    assert_eq!(
        sniff(json!({"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"})),
        Some(Format::OpenaiResponses)
    );
    assert_eq!(
        sniff(json!({"object": "response", "output": []})),
        Some(Format::OpenaiResponses)
    );
    assert_eq!(
        sniff(
            json!({"type": "message", "role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "n", "input": {}}]})
        ),
        Some(Format::Anthropic)
    );
    assert_eq!(
        sniff(json!({"system": "s", "messages": [{"role": "user", "content": "hi"}]})),
        Some(Format::Anthropic)
    );
    for (name, want) in [
        ("openai_chat_parallel.json", Format::OpenaiChat),
        ("openai_chat_edge_cases.jsonl", Format::OpenaiChat),
        ("openai_chat_response.json", Format::OpenaiChat),
        ("openai_responses_items.json", Format::OpenaiResponses),
        ("openai_responses_turns.jsonl", Format::OpenaiResponses),
        ("openai_responses_body.json", Format::OpenaiResponses),
        ("anthropic_request.json", Format::Anthropic),
        ("anthropic_messages.jsonl", Format::Anthropic),
    ] {
        let bytes = std::fs::read(fixture(name)).unwrap();
        assert_eq!(transcript::detect_bytes(&bytes), Some(want), "{name}");
    }
}

#[test]
fn no_prefix_or_garbling_of_a_transcript_panics() {
    type Reader = fn(&str, &[u8], OnInvalid, &mut VecSink) -> Result<VecSink, ReadError>;
    let cases: [(&str, Reader); 3] = [
        ("openai_chat_edge_cases.jsonl", chat),
        ("openai_responses_items.json", responses),
        ("anthropic_request.json", claude),
    ];
    for (name, read) in cases {
        let bytes = std::fs::read(fixture(name)).unwrap();
        for len in 0..bytes.len() {
            for mode in [OnInvalid::Fail, OnInvalid::Skip] {
                let _ = read(name, &bytes[..len], mode, &mut VecSink::default());
            }
            let _ = transcript::detect_bytes(&bytes[..len]);
        }
        let mut state = 0x9e37_79b9_u32;
        for _ in 0..500 {
            let mut copy = bytes.clone();
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let at = state as usize % copy.len();
            const NOISE: &[u8] = b"{}[]\",:\\0x\xff";
            copy[at] = NOISE[(state >> 8) as usize % NOISE.len()];
            let _ = read(name, &copy, OnInvalid::Skip, &mut VecSink::default());
        }
    }
}
