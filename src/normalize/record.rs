//! Convention-neutral records that the per-convention readers fill from spans, and small helpers
//! for reading attributes. Owns no matching or batching logic: readers produce records, the
//! batch builder turns them into a [`crate::model::Run`].

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::model::span::parse_json_string;
use crate::model::{CallStatus, Convention, Span, SpanId, StatusCode};

/// One tool call as a model response (or a later input message) recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct EmittedCall {
    /// Trimmed call id; `None` when the source had none.
    pub id: Option<String>,
    pub name: String,
    /// Parsed when recorded as a JSON string; `None` when not captured.
    pub arguments: Option<Value>,
}

/// A tool result found in a model call's input messages.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryResult {
    pub id: Option<String>,
    pub value: Value,
    pub is_error: bool,
}

/// What a model-call span tells us.
#[derive(Debug, Clone)]
pub struct ModelRecord {
    pub span_id: SpanId,
    pub convention: Convention,
    pub name: String,
    pub model: Option<String>,
    pub start: u64,
    pub end: u64,
    pub finish_reason: Option<String>,
    pub input: Option<Value>,
    pub output_text: Option<String>,
    /// Tool calls the response emitted, in order.
    pub emitted: Vec<EmittedCall>,
    /// False when the span recorded no output at all (calls must be recovered elsewhere).
    pub output_recorded: bool,
    /// Assistant tool calls repeated in this call's input messages.
    pub history_calls: Vec<EmittedCall>,
    /// Tool results sent to the model in this call's input messages.
    pub history_results: Vec<HistoryResult>,
}

impl ModelRecord {
    pub fn new(span: &Span, convention: Convention) -> Self {
        Self {
            span_id: span.span_id,
            convention,
            name: span.name.clone(),
            model: None,
            start: span.start_unix_nano,
            end: span.end_unix_nano,
            finish_reason: None,
            input: None,
            output_text: None,
            emitted: Vec::new(),
            output_recorded: false,
            history_calls: Vec::new(),
            history_results: Vec::new(),
        }
    }
}

/// What an executed tool span tells us.
#[derive(Debug, Clone)]
pub struct ExecRecord {
    pub span_id: SpanId,
    pub parent: Option<SpanId>,
    pub convention: Convention,
    pub call_id: Option<String>,
    pub name: String,
    pub arguments: Option<Value>,
    pub result: Option<Value>,
    pub error: Option<String>,
    pub status: CallStatus,
    pub start: u64,
    pub end: u64,
    /// An explicit batch wrapper span (Pydantic AI `running tools`), when present.
    pub batch_span: Option<SpanId>,
    /// Ancestor span ids, nearest first (to spot one call recorded by two nested spans).
    pub ancestors: Vec<SpanId>,
}

impl ExecRecord {
    pub fn new(span: &Span, convention: Convention, name: String) -> Self {
        Self {
            span_id: span.span_id,
            parent: span.parent_span_id,
            convention,
            call_id: None,
            name,
            arguments: None,
            result: None,
            error: None,
            status: CallStatus::Unknown,
            start: span.start_unix_nano,
            end: span.end_unix_nano,
            batch_span: None,
            ancestors: Vec::new(),
        }
    }

    /// Sets `status` and `error` from the span status, `error.type` and the result.
    pub fn settle_status(&mut self, span: &Span) {
        let error_type = span.attr_str("error.type").map(str::to_owned);
        if span.status.code == StatusCode::Error || error_type.is_some() {
            self.status = CallStatus::Error;
            let msg = span.status.message.trim();
            let text = if !msg.is_empty() {
                Some(msg.to_owned())
            } else {
                error_type.or_else(|| exception_message(span))
            };
            self.error = self
                .error
                .take()
                .or(text)
                .or_else(|| Some("error".to_owned()));
        } else if self.error.is_some() {
            self.status = CallStatus::Error;
        } else if self.result.is_some() || span.status.code == StatusCode::Ok {
            self.status = CallStatus::Ok;
        } else {
            self.status = CallStatus::Unknown;
        }
    }
}

/// The message of an `exception` span event, if any.
fn exception_message(span: &Span) -> Option<String> {
    span.events
        .iter()
        .filter(|e| e.name == "exception")
        .find_map(|e| crate::model::span::find_attr(&e.attributes, "exception.message"))
        .and_then(|v| v.as_str().map(str::to_owned))
}

/// Trims a call id; empty ids count as absent.
pub fn clean_id(id: &str) -> Option<String> {
    let t = id.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// A call id from a JSON value (string or number).
pub fn id_from_json(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => clean_id(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An attribute as JSON, parsing JSON held in strings; `None` when absent or empty.
pub fn json_attr(span: &Span, key: &str) -> Option<Value> {
    let v = span.attr(key)?.to_json_parsed();
    (!is_empty_value(&v)).then_some(v)
}

/// A non-empty string attribute.
pub fn str_attr<'a>(span: &'a Span, key: &str) -> Option<&'a str> {
    span.attr_str(key).filter(|s| !s.trim().is_empty())
}

/// Parses arguments or results recorded as JSON strings; other values pass through.
pub fn parse_loose(v: &Value) -> Value {
    match v {
        Value::String(s) => parse_json_string(s),
        other => other.clone(),
    }
}

pub fn is_empty_value(v: &Value) -> bool {
    matches!(v, Value::Null) || matches!(v, Value::String(s) if s.is_empty())
}

/// Rebuilds the nested value that flattened, indexed attributes describe: every key
/// `prefix.0.message.role` becomes `[{"message": {"role": ...}}]`. Objects whose keys are all
/// numbers become arrays ordered by index. `None` when no key has the prefix.
pub fn unflatten(span: &Span, prefix: &str) -> Option<Value> {
    let mut root = Map::new();
    let mut any = false;
    for kv in &span.attributes {
        let Some(rest) = kv
            .key
            .strip_prefix(prefix)
            .and_then(|r| r.strip_prefix('.'))
        else {
            continue;
        };
        if rest.is_empty() {
            continue;
        }
        let path: Vec<&str> = rest.split('.').collect();
        // Untrusted keys: an absurdly deep path is ignored rather than recursed into.
        if path.len() > 24 {
            continue;
        }
        any = true;
        insert_path(&mut root, &path, kv.value.to_json());
    }
    any.then(|| arrays_from_indices(Value::Object(root)))
}

fn insert_path(map: &mut Map<String, Value>, path: &[&str], value: Value) {
    match path {
        [] => {}
        [last] => {
            // A leaf never overwrites a nested object built from longer keys.
            if !matches!(map.get(*last), Some(Value::Object(_))) {
                map.insert((*last).to_owned(), value);
            }
        }
        [head, rest @ ..] => {
            let entry = map
                .entry((*head).to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            if let Value::Object(inner) = entry {
                insert_path(inner, rest, value);
            }
        }
    }
}

fn arrays_from_indices(v: Value) -> Value {
    match v {
        Value::Object(map) => {
            let numeric = !map.is_empty() && map.keys().all(|k| k.parse::<usize>().is_ok());
            if numeric {
                let ordered: BTreeMap<usize, Value> = map
                    .into_iter()
                    .filter_map(|(k, v)| {
                        k.parse::<usize>().ok().map(|i| (i, arrays_from_indices(v)))
                    })
                    .collect();
                Value::Array(ordered.into_values().collect())
            } else {
                Value::Object(
                    map.into_iter()
                        .map(|(k, v)| (k, arrays_from_indices(v)))
                        .collect(),
                )
            }
        }
        other => other,
    }
}

/// Normalizes provider finish reasons: `tool_calls`/`tool_call`/`tool-calls`/`tool_use` →
/// `tool_calls`; `stop`/`end_turn` → `stop`; `max_tokens` → `length`; others lower-cased.
pub fn normalize_finish_reason(raw: &str) -> Option<String> {
    let r = raw.trim().to_ascii_lowercase();
    let out = match r.as_str() {
        "" => return None,
        "tool_calls" | "tool_call" | "tool-calls" | "tool-call" | "tool_use" | "function_call" => {
            "tool_calls"
        }
        "stop" | "end_turn" | "stop_sequence" => "stop",
        "max_tokens" | "length" => "length",
        "content-filter" | "content_filter" => "content_filter",
        other => other,
    };
    Some(out.to_owned())
}

/// Picks one finish reason from a recorded list: a tool-call reason wins, else the first.
pub fn pick_finish_reason<'a>(reasons: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let all: Vec<String> = reasons
        .into_iter()
        .filter_map(normalize_finish_reason)
        .collect();
    all.iter()
        .find(|r| *r == "tool_calls")
        .cloned()
        .or_else(|| all.into_iter().next())
}

/// Finish reasons from an attribute holding a string or a list of strings.
pub fn finish_reasons_attr(span: &Span, key: &str) -> Option<String> {
    match json_attr(span, key)? {
        Value::String(s) => normalize_finish_reason(&s),
        Value::Array(items) => pick_finish_reason(items.iter().filter_map(Value::as_str)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::span::{AnyValue, KeyValue};
    use crate::model::{Resource, Scope, Status, TraceId};
    use serde_json::json;
    use std::sync::Arc;

    fn span_with(attrs: Vec<(&str, AnyValue)>) -> Span {
        Span {
            trace_id: TraceId([1; 16]),
            span_id: SpanId([1; 8]),
            parent_span_id: None,
            trace_state: String::new(),
            flags: 0,
            name: "s".into(),
            kind: Default::default(),
            start_unix_nano: 1,
            end_unix_nano: 2,
            attributes: attrs
                .into_iter()
                .map(|(k, v)| KeyValue::new(k, v))
                .collect(),
            dropped_attributes_count: 0,
            events: vec![],
            dropped_events_count: 0,
            links: vec![],
            dropped_links_count: 0,
            status: Status::default(),
            resource: Arc::new(Resource::default()),
            scope: Arc::new(Scope::default()),
        }
    }

    #[test]
    fn indexed_attributes_become_nested_arrays_in_index_order() {
        let s = span_with(vec![
            (
                "llm.output_messages.0.message.tool_calls.1.tool_call.id",
                AnyValue::String("b".into()),
            ),
            (
                "llm.output_messages.0.message.tool_calls.0.tool_call.id",
                AnyValue::String("a".into()),
            ),
            (
                "llm.output_messages.0.message.role",
                AnyValue::String("assistant".into()),
            ),
            (
                "llm.output_messages.10.message.role",
                AnyValue::String("x".into()),
            ),
            (
                "llm.output_messages.2.message.role",
                AnyValue::String("y".into()),
            ),
        ]);
        let v = unflatten(&s, "llm.output_messages").unwrap();
        assert_eq!(
            v[0]["message"]["tool_calls"][0]["tool_call"]["id"],
            json!("a")
        );
        assert_eq!(
            v[0]["message"]["tool_calls"][1]["tool_call"]["id"],
            json!("b")
        );
        assert_eq!(v[1]["message"]["role"], json!("y"));
        assert_eq!(v[2]["message"]["role"], json!("x"));
        assert!(unflatten(&s, "llm.input_messages").is_none());
    }

    #[test]
    fn finish_reasons_are_normalized() {
        for r in ["tool_calls", "tool_call", "tool-calls", "tool_use"] {
            assert_eq!(normalize_finish_reason(r).as_deref(), Some("tool_calls"));
        }
        assert_eq!(normalize_finish_reason("end_turn").as_deref(), Some("stop"));
        assert_eq!(normalize_finish_reason("STOP").as_deref(), Some("stop"));
        assert_eq!(
            pick_finish_reason(["stop", "tool_call"]).as_deref(),
            Some("tool_calls")
        );
        assert_eq!(normalize_finish_reason(" "), None);
    }

    #[test]
    fn ids_are_trimmed_and_empty_ids_absent() {
        assert_eq!(clean_id(" call_1 ").as_deref(), Some("call_1"));
        assert_eq!(clean_id("  "), None);
        assert_eq!(id_from_json(Some(&json!(7))).as_deref(), Some("7"));
    }
}
