//! Accepted native records → synthetic spans that follow the OpenTelemetry GenAI conventions, so
//! one normalizer serves every input: a root `invoke_agent` span, one `chat` span per model call
//! and one `execute_tool` span per tool call, all children of the root, in record order.
//!
//! Pure: no I/O, no clock. Span ids are counters in record order (root `…01`); an untimed run has
//! every time at 0 and `fanout.timing=absent` on the resource, so sorting by (start, span id)
//! keeps the input order. Every record's line is kept verbatim in `fanout.source.record`.

use std::sync::Arc;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::records::{Mode, ModelCallRec, Record, ToolCallRec};
use super::{Line, Parsed, VERSION};
use crate::model::{
    AnyValue, KeyValue, Resource, Scope, Span, SpanEvent, SpanId, SpanKind, Status, StatusCode,
    TraceId,
};

/// Builds the spans of one parsed file; none when the file held no record at all.
pub(super) fn build(p: &Parsed) -> Vec<Span> {
    if p.run.is_none() && p.calls.is_empty() && p.final_answer.is_none() {
        return Vec::new();
    }
    let run = p.run.as_ref().map(|l| &l.record);
    let timed = p
        .timed
        .unwrap_or_else(|| run.is_some_and(|r| r.times.is_some()));
    let mut b = Builder::new(p, timed);

    let mut spans = Vec::with_capacity(p.calls.len() + 1);
    for line in &p.calls {
        let span = match &line.record {
            Record::ModelCall(mc) => b.chat(line, mc),
            Record::ToolCall(tc) => b.tool(line, tc),
            Record::Run(_) | Record::FinalAnswer(_) => continue,
        };
        spans.push(span);
    }
    let (start, end) = match (timed, run.and_then(|r| r.times)) {
        (false, _) => (0, 0),
        (true, Some(t)) => t,
        (true, None) => (
            spans.iter().map(|s| s.start_unix_nano).min().unwrap_or(0),
            spans.iter().map(|s| s.end_unix_nano).max().unwrap_or(0),
        ),
    };
    spans.insert(0, b.root(p, start, end));
    spans
}

struct Builder {
    trace_id: TraceId,
    root_id: SpanId,
    next_id: u64,
    timed: bool,
    provider: Option<String>,
    tools: Option<Vec<Value>>,
    resource: Arc<Resource>,
    scope: Arc<Scope>,
}

impl Builder {
    fn new(p: &Parsed, timed: bool) -> Self {
        let run = p.run.as_ref().map(|l| &l.record);
        let service = run
            .and_then(|r| r.service.clone())
            .unwrap_or_else(|| "unknown_service".to_owned());
        let mut attributes = vec![
            text("service.name", service),
            text("fanout.source.format", "native"),
            text("fanout.source.header", p.header.clone()),
        ];
        if !timed {
            attributes.push(text("fanout.timing", "absent"));
        }
        Self {
            trace_id: trace_id(p),
            root_id: span_id(1),
            next_id: 2,
            timed,
            provider: run.and_then(|r| r.provider.clone()),
            tools: run.and_then(|r| r.tools.clone()),
            resource: Arc::new(Resource {
                attributes,
                ..Resource::default()
            }),
            scope: Arc::new(Scope {
                name: "fanout.native".to_owned(),
                version: VERSION.to_string(),
                ..Scope::default()
            }),
        }
    }

    fn span(
        &mut self,
        name: String,
        kind: SpanKind,
        times: Option<(u64, u64)>,
        attributes: Vec<KeyValue>,
    ) -> Span {
        let span_id = span_id(self.next_id);
        self.next_id += 1;
        let (start, end) = if self.timed {
            times.unwrap_or((0, 0))
        } else {
            (0, 0)
        };
        Span {
            parent_span_id: Some(self.root_id),
            kind,
            start_unix_nano: start,
            end_unix_nano: end,
            attributes,
            resource: Arc::clone(&self.resource),
            scope: Arc::clone(&self.scope),
            ..Span::new(self.trace_id, span_id, name)
        }
    }

    fn chat(&mut self, line: &Line<Record>, mc: &ModelCallRec) -> Span {
        let mut attrs = vec![text("gen_ai.operation.name", "chat")];
        if let Some(provider) = mc.provider.as_ref().or(self.provider.as_ref()) {
            attrs.push(text("gen_ai.provider.name", provider.clone()));
        }
        if let Some(model) = &mc.model {
            attrs.push(text("gen_ai.request.model", model.clone()));
        }
        if let Some(input) = &mc.input {
            attrs.push(text(
                "gen_ai.input.messages",
                Value::Array(input.clone()).to_string(),
            ));
        }
        if let Some(tools) = mc.tools.as_ref().or(self.tools.as_ref()) {
            attrs.push(text(
                "gen_ai.tool.definitions",
                Value::Array(tools.clone()).to_string(),
            ));
        }
        attrs.push(KeyValue::new(
            "gen_ai.response.finish_reasons",
            AnyValue::Array(vec![AnyValue::String(mc.finish_reason.clone())]),
        ));
        if let Some(n) = mc.input_tokens {
            attrs.push(KeyValue::new("gen_ai.usage.input_tokens", AnyValue::Int(n)));
        }
        if let Some(n) = mc.output_tokens {
            attrs.push(KeyValue::new(
                "gen_ai.usage.output_tokens",
                AnyValue::Int(n),
            ));
        }
        if mc.output.is_some() || !mc.tool_calls.is_empty() {
            let mut parts: Vec<Value> = mc
                .output
                .iter()
                .map(|t| json!({"type": "text", "content": t}))
                .collect();
            parts.extend(
                mc.tool_calls
                    .iter()
                    .map(|c| json!({"type": "tool_call", "id": c.id, "name": c.name, "arguments": c.arguments})),
            );
            let out = json!([{"role": "assistant", "parts": parts, "finish_reason": message_finish_reason(&mc.finish_reason)}]);
            attrs.push(text("gen_ai.output.messages", out.to_string()));
        }
        attrs.push(text("fanout.source.id", mc.id.clone()));
        attrs.push(text("fanout.source.record", line.raw.clone()));
        let name = mc
            .model
            .as_ref()
            .map_or_else(|| "chat".to_owned(), |m| format!("chat {m}"));
        self.span(name, SpanKind::Client, mc.times, attrs)
    }

    fn tool(&mut self, line: &Line<Record>, tc: &ToolCallRec) -> Span {
        let mut attrs = vec![
            text("gen_ai.operation.name", "execute_tool"),
            text("gen_ai.tool.name", tc.name.clone()),
            text("gen_ai.tool.call.id", tc.id.clone()),
        ];
        if let Some(args) = &tc.arguments {
            attrs.push(text("gen_ai.tool.call.arguments", json_text(args)));
        }
        if let Some(result) = &tc.result {
            attrs.push(text("gen_ai.tool.call.result", json_text(result)));
        }
        if let Some(err) = &tc.error {
            attrs.push(text(
                "error.type",
                err.kind.clone().unwrap_or_else(|| "_OTHER".to_owned()),
            ));
        }
        for (key, mode) in [
            ("fanout.resource.reads", Mode::Read),
            ("fanout.resource.writes", Mode::Write),
            ("fanout.resource.read_writes", Mode::ReadWrite),
        ] {
            let names: Vec<AnyValue> = tc
                .accesses
                .iter()
                .filter(|(_, m)| *m == mode)
                .map(|(r, _)| AnyValue::String(r.clone()))
                .collect();
            if !names.is_empty() {
                attrs.push(KeyValue::new(key, AnyValue::Array(names)));
            }
        }
        attrs.push(text("fanout.source.record", line.raw.clone()));
        let mut span = self.span(
            format!("execute_tool {}", tc.name),
            SpanKind::Internal,
            tc.times,
            attrs,
        );
        if let Some(err) = &tc.error {
            span.status = Status {
                code: StatusCode::Error,
                message: err.message.clone(),
            };
        }
        span
    }

    fn root(&self, p: &Parsed, start: u64, end: u64) -> Span {
        let run = p.run.as_ref();
        let mut attrs = vec![text("gen_ai.operation.name", "invoke_agent")];
        let agent = run.and_then(|l| l.record.agent.clone());
        if let Some(agent) = &agent {
            attrs.push(text("gen_ai.agent.name", agent.clone()));
        }
        if let Some(provider) = &self.provider {
            attrs.push(text("gen_ai.provider.name", provider.clone()));
        }
        if let Some(line) = run {
            let r = &line.record;
            if let Some(id) = &r.id {
                attrs.push(text("fanout.run.id", id.clone()));
            }
            if let Some(instructions) = &r.instructions {
                attrs.push(text(
                    "gen_ai.system_instructions",
                    json!([{"type": "text", "content": instructions}]).to_string(),
                ));
            }
            if let Some(input) = &r.input {
                attrs.push(text(
                    "gen_ai.input.messages",
                    Value::Array(input.clone()).to_string(),
                ));
            }
            if let Some(tools) = &r.tools {
                attrs.push(text(
                    "gen_ai.tool.definitions",
                    Value::Array(tools.clone()).to_string(),
                ));
            }
        }
        let mut events = Vec::new();
        if let Some(answer) = &p.final_answer {
            let out = json!([{"role": "assistant", "parts": [{"type": "text", "content": answer.record.text}], "finish_reason": "stop"}]);
            attrs.push(text("gen_ai.output.messages", out.to_string()));
            let mut ev_attrs = vec![text("fanout.source.record", answer.raw.clone())];
            if let Some(mc) = &answer.record.model_call {
                ev_attrs.push(text("fanout.source.model_call", mc.clone()));
            }
            events.push(SpanEvent {
                time_unix_nano: end,
                name: "fanout.final_answer".to_owned(),
                attributes: ev_attrs,
                dropped_attributes_count: 0,
            });
        }
        if let Some(line) = run {
            attrs.push(text("fanout.source.record", line.raw.clone()));
        }
        let name = agent.map_or_else(
            || "invoke_agent".to_owned(),
            |a| format!("invoke_agent {a}"),
        );
        Span {
            kind: SpanKind::Internal,
            start_unix_nano: start,
            end_unix_nano: end,
            attributes: attrs,
            events,
            resource: Arc::clone(&self.resource),
            scope: Arc::clone(&self.scope),
            ..Span::new(self.trace_id, self.root_id, name)
        }
    }
}

fn text(key: &str, value: impl Into<String>) -> KeyValue {
    KeyValue::new(key, AnyValue::String(value.into()))
}

/// Structured values as compact JSON; a string is kept as written (it may already hold JSON).
fn json_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn span_id(n: u64) -> SpanId {
    SpanId(n.to_be_bytes())
}

/// The run's id when it is a trace id; else a hash of the run's id; else a hash of the content.
fn trace_id(p: &Parsed) -> TraceId {
    let digest: [u8; 32] = match p.run.as_ref().and_then(|l| l.record.id.as_deref()) {
        Some(id) => match id.parse::<TraceId>() {
            Ok(t) => return t,
            Err(_) => Sha256::new()
                .chain_update(b"fanout-native-run\0")
                .chain_update(id.as_bytes())
                .finalize()
                .into(),
        },
        None => p.content_hash,
    };
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    if bytes.iter().all(|b| *b == 0) {
        bytes[15] = 1;
    }
    TraceId(bytes)
}

/// The GenAI output-message enum spells finish reasons its own way; the span attribute keeps the
/// provider's word.
fn message_finish_reason(raw: &str) -> String {
    match raw.to_ascii_lowercase().as_str() {
        "tool_calls" | "tool_call" | "tool_use" | "tool-calls" | "function_call" => {
            "tool_call".to_owned()
        }
        "stop" | "end_turn" | "stop_sequence" => "stop".to_owned(),
        "length" | "max_tokens" => "length".to_owned(),
        _ => raw.to_owned(),
    }
}
