//! Reads OpenTelemetry GenAI semconv spans (any version), including what derives from them:
//! Pydantic AI (v2 `running tool` with `tool_arguments`/`tool_response`, v5 `execute_tool`,
//! `final_result`), Vercel AI SDK v7 GenAI spans, transcripts turned into spans, and the older
//! forms (span events `gen_ai.content.prompt`/`gen_ai.content.completion`, `gen_ai.choice`,
//! per-message events, `gen_ai.client.inference.operation.details`, Pydantic's `events`).
//! Produces records only; matching happens elsewhere.

use serde_json::{Map, Value};

use super::messages::{history, parse_messages, tool_call_object, Message};
use super::record::{
    clean_id, finish_reasons_attr, json_attr, parse_loose, pick_finish_reason, str_attr,
    ExecRecord, ModelRecord,
};
use crate::model::span::AnyValue;
use crate::model::{Convention, Span};

/// Reads a GenAI model-call span.
pub fn model(span: &Span, convention: Convention) -> ModelRecord {
    let mut rec = ModelRecord::new(span, convention);
    rec.model = str_attr(span, "gen_ai.request.model")
        .or_else(|| str_attr(span, "gen_ai.response.model"))
        .map(str::to_owned);
    let (input, output) = messages_of(span);
    fill_from_messages(&mut rec, input, output);
    if let Some(fr) = finish_reasons_attr(span, "gen_ai.response.finish_reasons") {
        rec.finish_reason = Some(fr);
    }
    rec
}

/// Fills a record from parsed input / output message lists.
pub fn fill_from_messages(
    rec: &mut ModelRecord,
    input: Option<Value>,
    output: Option<Vec<Message>>,
) {
    if let Some(input) = input {
        let msgs = parse_messages(&input);
        let (calls, results) = history(&msgs);
        rec.history_calls = calls;
        rec.history_results = results;
        rec.input = Some(input);
    }
    if let Some(out) = output {
        rec.output_recorded = true;
        let mut seen = std::collections::HashSet::new();
        for m in &out {
            for c in &m.tool_calls {
                if c.id.as_ref().is_none_or(|id| seen.insert(id.clone())) {
                    rec.emitted.push(c.clone());
                }
            }
        }
        let texts: Vec<String> = out.iter().filter_map(Message::joined_text).collect();
        rec.output_text = (!texts.is_empty()).then(|| texts.join("\n"));
        rec.finish_reason =
            pick_finish_reason(out.iter().filter_map(|m| m.finish_reason.as_deref()));
    }
}

/// The input value and parsed output messages of a GenAI span, from attributes or the older
/// event forms.
fn messages_of(span: &Span) -> (Option<Value>, Option<Vec<Message>>) {
    let mut input = json_attr(span, "gen_ai.input.messages");
    let mut output = json_attr(span, "gen_ai.output.messages").map(|v| parse_messages(&v));
    // v1.37+ details event carrying both attributes.
    for ev in span
        .events
        .iter()
        .filter(|e| e.name == "gen_ai.client.inference.operation.details")
    {
        let get = |k: &str| {
            crate::model::span::find_attr(&ev.attributes, k).map(AnyValue::to_json_parsed)
        };
        input = input.or_else(|| get("gen_ai.input.messages"));
        if output.is_none() {
            output = get("gen_ai.output.messages").map(|v| parse_messages(&v));
        }
    }
    // Deprecated whole-prompt attributes and v1.27 content events.
    if input.is_none() {
        input = json_attr(span, "gen_ai.prompt")
            .or_else(|| event_attr(span, "gen_ai.content.prompt", "gen_ai.prompt"));
    }
    if output.is_none() {
        output = json_attr(span, "gen_ai.completion")
            .or_else(|| event_attr(span, "gen_ai.content.completion", "gen_ai.completion"))
            .map(|v| completion_messages(&v));
    }
    // v1.28–1.36 per-message events (on the span, or as Pydantic's `events` attribute).
    let bodies = event_bodies(span);
    if !bodies.is_empty() {
        let choices: Vec<Message> = bodies
            .iter()
            .filter(|(n, _)| n == "gen_ai.choice")
            .map(|(_, b)| choice_message(b))
            .collect();
        if output.is_none() && !choices.is_empty() {
            output = Some(choices);
        }
        if input.is_none() {
            let inputs: Vec<Value> = bodies
                .iter()
                .filter(|(n, _)| {
                    n != "gen_ai.choice" && n.starts_with("gen_ai.") && n.ends_with(".message")
                })
                .map(|(n, b)| event_message(n, b))
                .collect();
            if !inputs.is_empty() {
                input = Some(Value::Array(inputs));
            }
        }
    }
    (input, output)
}

/// A completion recorded as a whole: a message list, a single message, or bare text.
fn completion_messages(v: &Value) -> Vec<Message> {
    match v {
        Value::String(s) => vec![Message {
            role: "assistant".into(),
            text: vec![s.clone()],
            ..Default::default()
        }],
        other => parse_messages(other),
    }
}

fn event_attr(span: &Span, event: &str, key: &str) -> Option<Value> {
    span.events
        .iter()
        .filter(|e| e.name == event)
        .find_map(|e| crate::model::span::find_attr(&e.attributes, key))
        .map(AnyValue::to_json_parsed)
}

/// Per-message event bodies `(event name, body)`: span events named `gen_ai.*` (attributes form
/// the body), and Pydantic AI v1's `events` attribute (a JSON array of bodies with
/// `event.name`).
fn event_bodies(span: &Span) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = Vec::new();
    for e in &span.events {
        let mut body: Map<String, Value> = e
            .attributes
            .iter()
            .map(|kv| (kv.key.clone(), kv.value.to_json_parsed()))
            .collect();
        // Log events attached to their span keep the name in `event.name` and the payload in
        // `body`; flatten both into one body.
        let name = body
            .get("event.name")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| e.name.clone());
        if !name.starts_with("gen_ai.") || name == "gen_ai.client.inference.operation.details" {
            continue;
        }
        if let Some(Value::Object(inner)) = body.remove("body") {
            body.extend(inner);
        }
        out.push((name, Value::Object(body)));
    }
    if let Some(Value::Array(items)) = json_attr(span, "events") {
        for item in items {
            if let Some(name) = item.get("event.name").and_then(Value::as_str) {
                out.push((name.to_owned(), item.clone()));
            }
        }
    }
    out
}

/// A `gen_ai.choice` body: `{index, finish_reason, message:{content, role, tool_calls?},
/// tool_calls?}`.
fn choice_message(body: &Value) -> Message {
    let inner = body.get("message").map(parse_loose).unwrap_or(Value::Null);
    let mut m = super::messages::parse_message(&inner).unwrap_or_default();
    m.role = "assistant".into();
    if let Some(Value::Array(calls)) = body.get("tool_calls").map(parse_loose) {
        for c in &calls {
            if let Some(call) = tool_call_object(c) {
                if !m
                    .tool_calls
                    .iter()
                    .any(|x| x.id.is_some() && x.id == call.id)
                {
                    m.tool_calls.push(call);
                }
            }
        }
    }
    if let Some(fr) = body.get("finish_reason").and_then(Value::as_str) {
        m.finish_reason = super::record::normalize_finish_reason(fr);
    }
    m
}

/// A per-message event body as an OpenAI-style message (role from the event name).
fn event_message(name: &str, body: &Value) -> Value {
    let mut obj = body.as_object().cloned().unwrap_or_default();
    let role = name
        .trim_start_matches("gen_ai.")
        .trim_end_matches(".message");
    obj.entry("role".to_owned())
        .or_insert_with(|| Value::String(role.to_owned()));
    if role == "tool" {
        if let Some(id) = obj.get("id").cloned() {
            obj.entry("tool_call_id".to_owned()).or_insert(id);
        }
    }
    if let Some(calls) = obj.get("tool_calls").map(parse_loose) {
        obj.insert("tool_calls".into(), calls);
    }
    Value::Object(obj)
}

/// Reads a GenAI / Pydantic AI tool-execution span.
pub fn tool(span: &Span, convention: Convention) -> ExecRecord {
    let name = str_attr(span, "gen_ai.tool.name")
        .map(str::to_owned)
        .or_else(|| {
            span.name
                .strip_prefix("execute_tool ")
                .map(|n| n.trim().to_owned())
        })
        .or_else(|| {
            str_attr(span, "logfire.msg")
                .and_then(|m| m.strip_prefix("running tool: "))
                .map(str::to_owned)
        })
        .unwrap_or_else(|| span.name.clone());
    let mut rec = ExecRecord::new(span, convention, name);
    rec.call_id = str_attr(span, "gen_ai.tool.call.id").and_then(clean_id);
    rec.arguments = ["gen_ai.tool.call.arguments", "tool_arguments"]
        .iter()
        .find_map(|k| json_attr(span, k));
    rec.result = [
        "gen_ai.tool.call.result",
        "gen_ai.tool.call.response",
        "tool_response",
    ]
    .iter()
    .find_map(|k| json_attr(span, k));
    if span.attr("pydantic_ai.tool.deferral.name").is_some() {
        rec.settle_status(span);
        if rec.status == crate::model::CallStatus::Ok && rec.result.is_none() {
            rec.status = crate::model::CallStatus::Unknown;
        }
        return rec;
    }
    rec.settle_status(span);
    rec
}

/// The final answer an agent span records: Pydantic AI `final_result`, or the text parts of its
/// `gen_ai.output.messages`.
pub fn agent_answer(span: &Span) -> Option<String> {
    if let Some(v) = span.attr("final_result") {
        return match v.to_json_parsed() {
            Value::String(s) if !s.trim().is_empty() => Some(s),
            Value::Null => None,
            other => Some(other.to_string()),
        };
    }
    let out = json_attr(span, "gen_ai.output.messages")?;
    let texts: Vec<String> = parse_messages(&out)
        .iter()
        .filter_map(Message::joined_text)
        .collect();
    (!texts.is_empty()).then(|| texts.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CallStatus;
    use crate::normalize::testutil::{event, s, span};
    use serde_json::json;

    #[test]
    fn tool_results_in_every_spelling_and_pydantic_v2_names() {
        for key in [
            "gen_ai.tool.call.result",
            "gen_ai.tool.call.response",
            "tool_response",
        ] {
            let sp = span(
                1,
                "running tool",
                "pydantic-ai",
                vec![
                    ("logfire.msg", s("running tool: f")),
                    ("gen_ai.tool.call.id", s(" pyd_ai_1 ")),
                    ("tool_arguments", s("{\"a\": 1}")),
                    (key, s("{\"ok\": true}")),
                ],
            );
            let rec = tool(&sp, Convention::PydanticAi);
            assert_eq!(rec.name, "f");
            assert_eq!(rec.call_id.as_deref(), Some("pyd_ai_1"));
            assert_eq!(rec.arguments, Some(json!({"a": 1})));
            assert_eq!(
                (rec.result, rec.status),
                (Some(json!({"ok": true})), CallStatus::Ok)
            );
        }
    }

    #[test]
    fn choice_events_and_per_message_events() {
        let mut sp = span(1, "chat", "x", vec![("gen_ai.operation.name", s("chat"))]);
        sp.events = vec![
            event("gen_ai.tool.message", vec![("id", s("call_0")), ("content", s("r0"))]),
            event("gen_ai.choice", vec![
                ("finish_reason", s("tool_calls")),
                ("message", s("{\"role\": \"assistant\"}")),
                ("tool_calls", s("[{\"id\": \"call_1\", \"type\": \"function\", \"function\": {\"name\": \"f\", \"arguments\": \"{}\"}}]")),
            ]),
        ];
        let rec = model(&sp, Convention::GenAi);
        assert!(rec.output_recorded);
        assert_eq!(rec.emitted[0].id.as_deref(), Some("call_1"));
        assert_eq!(rec.finish_reason.as_deref(), Some("tool_calls"));
        assert_eq!(rec.history_results[0].id.as_deref(), Some("call_0"));
        assert_eq!(rec.history_results[0].value, json!("r0"));
    }

    #[test]
    fn log_events_attached_to_their_span_are_read() {
        use crate::model::span::{AnyValue, KeyValue};
        let body = AnyValue::KvList(vec![
            KeyValue::new("finish_reason", s("stop")),
            KeyValue::new(
                "message",
                AnyValue::KvList(vec![KeyValue::new("content", s("hi"))]),
            ),
        ]);
        let mut sp = span(1, "chat", "x", vec![("gen_ai.operation.name", s("chat"))]);
        sp.events = vec![event(
            "log",
            vec![("event.name", s("gen_ai.choice")), ("body", body)],
        )];
        let rec = model(&sp, Convention::GenAi);
        assert_eq!(rec.output_text.as_deref(), Some("hi"));
        assert_eq!(rec.finish_reason.as_deref(), Some("stop"));
    }

    #[test]
    fn agent_spans_answer_with_final_result_or_output_text() {
        let sp = span(
            1,
            "agent run",
            "pydantic-ai",
            vec![("final_result", s("42"))],
        );
        assert_eq!(agent_answer(&sp).as_deref(), Some("42"));
        let sp = span(1, "invoke_agent", "x", vec![(
            "gen_ai.output.messages",
            s("[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"done\"},{\"type\":\"tool_call\",\"id\":\"c\",\"name\":\"n\"}]}]"),
        )]);
        assert_eq!(agent_answer(&sp).as_deref(), Some("done"));
    }
}
