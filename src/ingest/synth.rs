//! Builder of synthetic spans for inputs that are not spans (chat transcripts, the native JSONL
//! format), following the "Synthetic spans" contract so one normalizer serves every input:
//! a root `invoke_agent` span, `chat` spans carrying GenAI input/output messages in the parts
//! shape, and `execute_tool <name>` spans, all children of the root.
//!
//! Owns: span ids (counters in record order), the content-derived trace id, the resource
//! attributes (`service.name`, `fanout.source.format`, `fanout.timing`) and the GenAI attribute
//! names. It does not parse any input format.

use std::sync::Arc;

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::model::{
    AnyValue, KeyValue, Resource, Scope, Span, SpanId, SpanKind, Status, StatusCode, TraceId,
};

/// Instrumentation scope name of every synthetic span.
pub const SCOPE_NAME: &str = "fanout.synth";

/// A trace id derived from the input's content and format, so re-ingesting is idempotent.
pub fn content_trace_id(format: &str, content: &[u8]) -> TraceId {
    let mut hasher = Sha256::new();
    hasher.update(format.as_bytes());
    hasher.update([0u8]);
    hasher.update(content);
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    if bytes.iter().all(|b| *b == 0) {
        bytes[15] = 1;
    }
    TraceId(bytes)
}

/// The span id for the `n`-th synthetic span (1-based): `0000000000000001`, `...02`, ...
pub fn counter_span_id(n: u64) -> SpanId {
    SpanId(n.max(1).to_be_bytes())
}

/// One part of a GenAI message (`gen_ai.input.messages` / `gen_ai.output.messages`).
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Text(String),
    Reasoning(String),
    ToolCall {
        id: Option<String>,
        name: String,
        arguments: Value,
    },
    ToolCallResponse {
        id: Option<String>,
        response: Value,
    },
    /// Any other content, kept as given (it should carry a `type`).
    Other(Value),
}

impl Part {
    pub fn to_json(&self) -> Value {
        match self {
            Part::Text(content) => json!({"type": "text", "content": content}),
            Part::Reasoning(content) => json!({"type": "reasoning", "content": content}),
            Part::ToolCall {
                id,
                name,
                arguments,
            } => {
                json!({"type": "tool_call", "id": id, "name": name, "arguments": arguments})
            }
            Part::ToolCallResponse { id, response } => {
                json!({"type": "tool_call_response", "id": id, "response": response})
            }
            Part::Other(v) => v.clone(),
        }
    }
}

/// A GenAI chat message: role, parts, and (for outputs) a finish reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub role: String,
    pub parts: Vec<Part>,
    pub finish_reason: Option<String>,
}

impl Message {
    pub fn new(role: impl Into<String>, parts: Vec<Part>) -> Self {
        Self {
            role: role.into(),
            parts,
            finish_reason: None,
        }
    }

    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("role".into(), Value::String(self.role.clone()));
        m.insert(
            "parts".into(),
            Value::Array(self.parts.iter().map(Part::to_json).collect()),
        );
        if let Some(reason) = &self.finish_reason {
            m.insert("finish_reason".into(), Value::String(reason.clone()));
        }
        Value::Object(m)
    }
}

/// Serializes messages as the JSON string the GenAI message attributes hold.
pub fn messages_json(messages: &[Message]) -> String {
    Value::Array(messages.iter().map(Message::to_json).collect()).to_string()
}

/// Where the synthetic trace comes from.
#[derive(Debug, Clone)]
pub struct Source {
    /// `fanout.source.format`: `native`, `openai-chat`, `openai-responses`, `anthropic`.
    pub format: &'static str,
    pub service_name: String,
    pub trace_id: TraceId,
    /// True when the source has no times: every span gets start = end = 0.
    pub timing_absent: bool,
    /// `gen_ai.agent.name` on the root span, when known.
    pub agent_name: Option<String>,
    /// Verbatim input kept on the root span as `fanout.source.record`.
    pub record: Option<String>,
    /// What tells this run apart in a list (a conversation id, or its first user words): the
    /// root span's name when given.
    pub label: Option<String>,
    /// The conversation's own id, kept as `gen_ai.conversation.id` on the root span.
    pub conversation_id: Option<String>,
}

/// A model call to record as a `chat` span.
#[derive(Debug, Clone, Default)]
pub struct ChatSpan {
    pub model: Option<String>,
    pub input: Vec<Message>,
    pub output: Vec<Message>,
    /// Provider finish reasons (`tool_calls`, `stop`, `tool_use`, `end_turn`, ...).
    pub finish_reasons: Vec<String>,
    pub record: Option<String>,
    /// (start, end) in Unix nanoseconds, when the source has times.
    pub times: Option<(u64, u64)>,
    /// More attributes (e.g. `gen_ai.response.id`).
    pub extra: Vec<KeyValue>,
}

/// A failed tool execution.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolError {
    /// `error.type`, e.g. `tool_error`.
    pub kind: String,
    pub message: String,
}

/// A tool execution to record as an `execute_tool <name>` span.
#[derive(Debug, Clone, Default)]
pub struct ToolSpan {
    pub call_id: Option<String>,
    pub name: String,
    /// `gen_ai.tool.call.arguments`: a JSON string (kept verbatim even when it is not valid JSON).
    pub arguments: Option<String>,
    /// `gen_ai.tool.call.result`: the result as the model saw it (JSON text or plain text).
    pub result: Option<String>,
    pub error: Option<ToolError>,
    pub record: Option<String>,
    pub times: Option<(u64, u64)>,
    /// More attributes (e.g. `fanout.resource.reads`).
    pub extra: Vec<KeyValue>,
}

/// Builds the spans of one synthetic trace, in record order.
#[derive(Debug)]
pub struct TraceBuilder {
    trace_id: TraceId,
    timing_absent: bool,
    resource: Arc<Resource>,
    scope: Arc<Scope>,
    next: u64,
    spans: Vec<Span>,
}

fn string(key: &str, value: impl Into<String>) -> KeyValue {
    KeyValue::new(key, AnyValue::String(value.into()))
}

impl TraceBuilder {
    /// Starts a trace with its root `invoke_agent` span (span id 1).
    pub fn new(source: Source) -> Self {
        let mut resource_attrs = vec![
            string("service.name", source.service_name),
            string("fanout.source.format", source.format),
        ];
        if source.timing_absent {
            resource_attrs.push(string("fanout.timing", "absent"));
        }
        let resource = Arc::new(Resource {
            attributes: resource_attrs,
            ..Resource::default()
        });
        let scope = Arc::new(Scope {
            name: SCOPE_NAME.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            ..Scope::default()
        });
        let mut builder = Self {
            trace_id: source.trace_id,
            timing_absent: source.timing_absent,
            resource,
            scope,
            next: 1,
            spans: Vec::new(),
        };
        let mut attributes = vec![string("gen_ai.operation.name", "invoke_agent")];
        let name = match &source.agent_name {
            Some(agent) => {
                attributes.push(string("gen_ai.agent.name", agent.clone()));
                format!("invoke_agent {agent}")
            }
            None => "invoke_agent".to_owned(),
        };
        if let Some(record) = source.record {
            attributes.push(string("fanout.source.record", record));
        }
        if let Some(id) = source.conversation_id {
            attributes.push(string("gen_ai.conversation.id", id));
        }
        let name = source.label.unwrap_or(name);
        builder.push(name, SpanKind::Internal, None, attributes, None);
        builder
    }

    /// The root span's id.
    pub fn root_id(&self) -> SpanId {
        counter_span_id(1)
    }

    /// Sets resource attributes (replacing ones of the same key) on every span, built or to come.
    pub fn set_resource_attributes(&mut self, attributes: Vec<KeyValue>) {
        let mut resource = (*self.resource).clone();
        for kv in attributes {
            resource.attributes.retain(|a| a.key != kv.key);
            resource.attributes.push(kv);
        }
        self.resource = Arc::new(resource);
        for span in &mut self.spans {
            span.resource = Arc::clone(&self.resource);
        }
    }

    /// The root span, to add attributes or times.
    pub fn root_mut(&mut self) -> Option<&mut Span> {
        self.spans.first_mut()
    }

    fn push(
        &mut self,
        name: String,
        kind: SpanKind,
        parent: Option<SpanId>,
        attributes: Vec<KeyValue>,
        times: Option<(u64, u64)>,
    ) -> SpanId {
        let span_id = counter_span_id(self.next);
        self.next += 1;
        let (start, end) = if self.timing_absent {
            (0, 0)
        } else {
            times.unwrap_or((0, 0))
        };
        self.spans.push(Span {
            parent_span_id: parent,
            kind,
            start_unix_nano: start,
            end_unix_nano: end,
            attributes,
            resource: Arc::clone(&self.resource),
            scope: Arc::clone(&self.scope),
            ..Span::new(self.trace_id, span_id, name)
        });
        span_id
    }

    /// Adds a `chat` span under the root.
    pub fn chat(&mut self, chat: ChatSpan) -> SpanId {
        let mut attrs = vec![string("gen_ai.operation.name", "chat")];
        let name = match &chat.model {
            Some(model) => {
                attrs.push(string("gen_ai.request.model", model.clone()));
                format!("chat {model}")
            }
            None => "chat".to_owned(),
        };
        attrs.push(string("gen_ai.input.messages", messages_json(&chat.input)));
        attrs.push(string(
            "gen_ai.output.messages",
            messages_json(&chat.output),
        ));
        if !chat.finish_reasons.is_empty() {
            let reasons = chat
                .finish_reasons
                .into_iter()
                .map(AnyValue::String)
                .collect();
            attrs.push(KeyValue::new(
                "gen_ai.response.finish_reasons",
                AnyValue::Array(reasons),
            ));
        }
        attrs.extend(chat.extra);
        if let Some(record) = chat.record {
            attrs.push(string("fanout.source.record", record));
        }
        let root = self.root_id();
        self.push(name, SpanKind::Client, Some(root), attrs, chat.times)
    }

    /// Adds an `execute_tool <name>` span under the root.
    pub fn tool(&mut self, tool: ToolSpan) -> SpanId {
        let mut attrs = vec![
            string("gen_ai.operation.name", "execute_tool"),
            string("gen_ai.tool.name", tool.name.clone()),
        ];
        if let Some(id) = tool.call_id {
            attrs.push(string("gen_ai.tool.call.id", id));
        }
        if let Some(arguments) = tool.arguments {
            attrs.push(string("gen_ai.tool.call.arguments", arguments));
        }
        if let Some(result) = tool.result {
            attrs.push(string("gen_ai.tool.call.result", result));
        }
        if let Some(error) = &tool.error {
            attrs.push(string("error.type", error.kind.clone()));
        }
        attrs.extend(tool.extra);
        if let Some(record) = tool.record {
            attrs.push(string("fanout.source.record", record));
        }
        let root = self.root_id();
        let id = self.push(
            format!("execute_tool {}", tool.name),
            SpanKind::Internal,
            Some(root),
            attrs,
            tool.times,
        );
        if let (Some(error), Some(span)) = (tool.error, self.spans.last_mut()) {
            span.status = Status {
                code: StatusCode::Error,
                message: error.message,
            };
        }
        id
    }

    /// The spans, root first, in record order.
    pub fn finish(self) -> Vec<Span> {
        self.spans
    }
}

/// Text of a content value: a string, or the `text` of text blocks (`text`, `input_text`,
/// `output_text`) joined by newlines. `None` when it holds anything else.
pub fn content_text(content: &Value) -> Option<String> {
    match content {
        Value::String(s) => Some(s.clone()),
        Value::Array(blocks) => {
            let texts: Option<Vec<&str>> = blocks
                .iter()
                .map(|b| match b {
                    Value::String(s) => Some(s.as_str()),
                    _ => {
                        let kind = b.get("type").and_then(Value::as_str)?;
                        matches!(kind, "text" | "input_text" | "output_text").then_some(())?;
                        b.get("text").and_then(Value::as_str)
                    }
                })
                .collect();
            texts.map(|t| t.join("\n"))
        }
        _ => None,
    }
}

/// A tool result as attribute text: text content verbatim, anything else as JSON.
pub fn result_text(content: &Value) -> String {
    match content {
        Value::Null => String::new(),
        other => content_text(other).unwrap_or_else(|| other.to_string()),
    }
}

/// Tool arguments for a `tool_call` part: parsed when they are a JSON string holding valid JSON,
/// else kept as given (an invalid JSON string stays a string).
pub fn arguments_value(arguments: &Value) -> Value {
    match arguments {
        Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| arguments.clone()),
        other => other.clone(),
    }
}

/// Tool arguments as attribute text: a string verbatim, anything else as JSON.
pub fn arguments_text(arguments: &Value) -> String {
    match arguments {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(timing_absent: bool) -> Source {
        Source {
            format: "native",
            service_name: "svc".into(),
            trace_id: content_trace_id("native", b"x"),
            timing_absent,
            agent_name: Some("helper".into()),
            label: None,
            conversation_id: None,
            record: None,
        }
    }

    #[test]
    fn spans_get_counter_ids_under_one_root_and_absent_timing() {
        let mut b = TraceBuilder::new(source(true));
        let chat = b.chat(ChatSpan {
            model: Some("m".into()),
            times: Some((5, 9)),
            ..ChatSpan::default()
        });
        let tool = b.tool(ToolSpan {
            call_id: Some("c1".into()),
            name: "read".into(),
            error: Some(ToolError {
                kind: "tool_error".into(),
                message: "boom".into(),
            }),
            ..ToolSpan::default()
        });
        let spans = b.finish();
        assert_eq!(spans.len(), 3);
        assert_eq!(spans[0].span_id.to_hex(), "0000000000000001");
        assert_eq!(chat.to_hex(), "0000000000000002");
        assert_eq!(tool.to_hex(), "0000000000000003");
        assert!(spans[1..]
            .iter()
            .all(|s| s.parent_span_id == Some(spans[0].span_id)));
        assert!(spans
            .iter()
            .all(|s| s.start_unix_nano == 0 && s.end_unix_nano == 0));
        assert_eq!(spans[0].name, "invoke_agent helper");
        assert_eq!(spans[1].name, "chat m");
        assert_eq!(spans[2].name, "execute_tool read");
        assert_eq!(spans[2].status.code, StatusCode::Error);
        assert_eq!(spans[2].attr_str("error.type"), Some("tool_error"));
        let res = &spans[0].resource;
        assert_eq!(
            crate::model::span::find_attr(&res.attributes, "fanout.timing")
                .and_then(AnyValue::as_str),
            Some("absent")
        );
    }

    #[test]
    fn recorded_times_are_kept_when_timing_is_present() {
        let mut b = TraceBuilder::new(source(false));
        b.chat(ChatSpan {
            times: Some((5, 9)),
            ..ChatSpan::default()
        });
        let spans = b.finish();
        assert_eq!((spans[1].start_unix_nano, spans[1].end_unix_nano), (5, 9));
    }

    #[test]
    fn trace_ids_depend_on_content_and_format() {
        assert_eq!(content_trace_id("a", b"1"), content_trace_id("a", b"1"));
        assert_ne!(content_trace_id("a", b"1"), content_trace_id("a", b"2"));
        assert_ne!(content_trace_id("a", b"1"), content_trace_id("b", b"1"));
    }

    #[test]
    fn content_and_arguments_helpers_keep_what_they_cannot_parse() {
        assert_eq!(
            content_text(&json!([{"type":"text","text":"a"},{"type":"text","text":"b"}])),
            Some("a\nb".into())
        );
        assert_eq!(content_text(&json!([{"type":"image"}])), None);
        assert_eq!(result_text(&json!({"x":1})), r#"{"x":1}"#);
        assert_eq!(result_text(&Value::Null), "");
        assert_eq!(arguments_value(&json!("{\"a\":1}")), json!({"a":1}));
        assert_eq!(arguments_value(&json!("{bad")), json!("{bad"));
        assert_eq!(arguments_text(&json!({"a":1})), r#"{"a":1}"#);
    }
}
