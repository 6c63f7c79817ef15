//! One line of a native file turned into a typed record, checked field by field. Problems come
//! back as [`FieldError`]s naming the field (`tool_calls[1].id`); the caller adds file and line.
//! Nothing here builds spans or knows about other lines.
//!
//! Unknown fields are allowed and ignored here: the raw line is kept on the span, so they are not
//! lost. Messages are converted to the OpenTelemetry GenAI parts shape on the way in.

use serde_json::{Map, Value};

use super::messages::{opt_messages, opt_tools};

use crate::model::span::json_kind;

/// A problem with one field of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FieldError {
    pub field: Option<String>,
    pub message: String,
}

impl FieldError {
    pub(super) fn at(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.into()),
            message: message.into(),
        }
    }
}

pub(super) type Res<T> = Result<T, FieldError>;

/// How a tool call declared it touched a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Read,
    Write,
    ReadWrite,
}

/// Start and end in nanoseconds since the Unix epoch; the end is never before the start.
pub(super) type Times = Option<(u64, u64)>;

#[derive(Debug, Default)]
pub(super) struct RunRec {
    pub id: Option<String>,
    pub service: Option<String>,
    pub agent: Option<String>,
    pub provider: Option<String>,
    pub times: Times,
    pub instructions: Option<String>,
    /// Messages in the GenAI parts shape.
    pub input: Option<Vec<Value>>,
    /// Tool definitions in the GenAI shape (`{type:"function", name, ...}`).
    pub tools: Option<Vec<Value>>,
}

#[derive(Debug)]
pub(super) struct EmittedCall {
    pub id: String,
    pub name: String,
    pub arguments: Option<Value>,
}

#[derive(Debug)]
pub(super) struct ModelCallRec {
    pub id: String,
    pub model: Option<String>,
    pub provider: Option<String>,
    pub times: Times,
    pub input: Option<Vec<Value>>,
    pub output: Option<String>,
    /// As recorded, or `tool_calls` / `stop` when absent.
    pub finish_reason: String,
    pub tool_calls: Vec<EmittedCall>,
    pub tools: Option<Vec<Value>>,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
}

#[derive(Debug)]
pub(super) struct ToolError {
    pub kind: Option<String>,
    pub message: String,
}

#[derive(Debug)]
pub(super) struct ToolCallRec {
    pub id: String,
    pub name: String,
    pub arguments: Option<Value>,
    pub result: Option<Value>,
    pub error: Option<ToolError>,
    pub times: Times,
    pub accesses: Vec<(String, Mode)>,
}

#[derive(Debug)]
pub(super) struct FinalAnswerRec {
    pub text: String,
    pub model_call: Option<String>,
}

#[derive(Debug)]
pub(super) enum Record {
    Run(RunRec),
    ModelCall(ModelCallRec),
    ToolCall(ToolCallRec),
    FinalAnswer(FinalAnswerRec),
}

impl Record {
    pub fn times(&self) -> Times {
        match self {
            Record::Run(r) => r.times,
            Record::ModelCall(r) => r.times,
            Record::ToolCall(r) => r.times,
            Record::FinalAnswer(_) => None,
        }
    }
}

/// Parses one record object (not the header).
pub(super) fn parse_record(obj: &Map<String, Value>) -> Res<Record> {
    let kind = match obj.get("type") {
        None | Some(Value::Null) => {
            return Err(FieldError::at(
                "type",
                "missing: every record needs a \"type\"",
            ))
        }
        Some(Value::String(s)) => s.as_str(),
        Some(other) => {
            return Err(FieldError::at(
                "type",
                format!("must be a string, got {}", json_kind(other)),
            ))
        }
    };
    Ok(match kind {
        "run" => Record::Run(run(obj)?),
        "model_call" => Record::ModelCall(model_call(obj)?),
        "tool_call" => Record::ToolCall(tool_call(obj)?),
        "final_answer" => Record::FinalAnswer(final_answer(obj)?),
        other => {
            return Err(FieldError::at(
                "type",
                format!("unknown record type '{other}' (expected run, model_call, tool_call or final_answer)"),
            ))
        }
    })
}

fn run(obj: &Map<String, Value>) -> Res<RunRec> {
    Ok(RunRec {
        id: opt_str(obj, "id")?,
        service: opt_str(obj, "service")?,
        agent: opt_str(obj, "agent")?,
        provider: opt_str(obj, "provider")?,
        times: times(obj)?,
        instructions: opt_str(obj, "instructions")?,
        input: opt_messages(obj, "input")?,
        tools: opt_tools(obj, "tools")?,
    })
}

fn model_call(obj: &Map<String, Value>) -> Res<ModelCallRec> {
    let tool_calls = match obj.get("tool_calls") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| emitted_call(item, &format!("tool_calls[{i}]")))
            .collect::<Res<_>>()?,
        Some(other) => {
            return Err(FieldError::at(
                "tool_calls",
                format!("must be an array, got {}", json_kind(other)),
            ))
        }
    };
    let finish_reason = opt_str(obj, "finish_reason")?.unwrap_or_else(|| {
        if tool_calls.is_empty() {
            "stop"
        } else {
            "tool_calls"
        }
        .to_owned()
    });
    let (input_tokens, output_tokens) = match obj.get("usage") {
        None | Some(Value::Null) => (None, None),
        Some(Value::Object(u)) => (
            opt_count(u, "usage.input_tokens", "input_tokens")?,
            opt_count(u, "usage.output_tokens", "output_tokens")?,
        ),
        Some(other) => {
            return Err(FieldError::at(
                "usage",
                format!("must be an object, got {}", json_kind(other)),
            ))
        }
    };
    Ok(ModelCallRec {
        id: req_str(obj, "id")?,
        model: opt_str(obj, "model")?,
        provider: opt_str(obj, "provider")?,
        times: times(obj)?,
        input: opt_messages(obj, "input")?,
        output: opt_str(obj, "output")?,
        finish_reason,
        tool_calls,
        tools: opt_tools(obj, "tools")?,
        input_tokens,
        output_tokens,
    })
}

pub(super) fn emitted_call(item: &Value, path: &str) -> Res<EmittedCall> {
    let Value::Object(o) = item else {
        return Err(FieldError::at(
            path,
            format!(
                "must be an object {{id, name, arguments}}, got {}",
                json_kind(item)
            ),
        ));
    };
    Ok(EmittedCall {
        id: req_str_at(o, "id", &format!("{path}.id"))?,
        name: req_str_at(o, "name", &format!("{path}.name"))?,
        arguments: o.get("arguments").filter(|v| !v.is_null()).cloned(),
    })
}

fn tool_call(obj: &Map<String, Value>) -> Res<ToolCallRec> {
    let error = match obj.get("error") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(ToolError {
            kind: None,
            message: s.clone(),
        }),
        Some(Value::Object(e)) => {
            let kind = opt_str_at(e, "type", "error.type")?;
            let message = opt_str_at(e, "message", "error.message")?;
            if kind.is_none() && message.is_none() {
                return Err(FieldError::at(
                    "error",
                    "an error object needs a \"type\" or a \"message\"",
                ));
            }
            Some(ToolError {
                message: message.or_else(|| kind.clone()).unwrap_or_default(),
                kind,
            })
        }
        Some(other) => {
            return Err(FieldError::at(
                "error",
                format!(
                    "must be a string or {{type, message}}, got {}",
                    json_kind(other)
                ),
            ))
        }
    };
    let accesses = match obj.get("accesses") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| access(item, &format!("accesses[{i}]")))
            .collect::<Res<_>>()?,
        Some(other) => {
            return Err(FieldError::at(
                "accesses",
                format!("must be an array, got {}", json_kind(other)),
            ))
        }
    };
    Ok(ToolCallRec {
        id: req_str(obj, "id")?,
        name: req_str(obj, "name")?,
        arguments: obj.get("arguments").filter(|v| !v.is_null()).cloned(),
        result: obj.get("result").filter(|v| !v.is_null()).cloned(),
        error,
        times: times(obj)?,
        accesses,
    })
}

fn access(item: &Value, path: &str) -> Res<(String, Mode)> {
    let Value::Object(o) = item else {
        return Err(FieldError::at(
            path,
            format!(
                "must be an object {{resource, mode}}, got {}",
                json_kind(item)
            ),
        ));
    };
    let resource = req_str_at(o, "resource", &format!("{path}.resource"))?;
    let mode = match req_str_at(o, "mode", &format!("{path}.mode"))?.as_str() {
        "read" => Mode::Read,
        "write" => Mode::Write,
        "read_write" => Mode::ReadWrite,
        other => {
            return Err(FieldError::at(
                format!("{path}.mode"),
                format!("'{other}' is not one of read, write, read_write"),
            ))
        }
    };
    Ok((resource, mode))
}

fn final_answer(obj: &Map<String, Value>) -> Res<FinalAnswerRec> {
    let text = match obj.get("text") {
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => {
            return Err(FieldError::at(
                "text",
                "missing: a final_answer needs its \"text\"",
            ))
        }
        Some(other) => {
            return Err(FieldError::at(
                "text",
                format!("must be a string, got {}", json_kind(other)),
            ))
        }
    };
    Ok(FinalAnswerRec {
        text,
        model_call: opt_str(obj, "model_call")?,
    })
}

/// `started_at` and `ended_at`: both or neither, the end not before the start.
fn times(obj: &Map<String, Value>) -> Res<Times> {
    let start = opt_time(obj, "started_at")?;
    let end = opt_time(obj, "ended_at")?;
    match (start, end) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(FieldError::at(
            "ended_at",
            "missing: give both started_at and ended_at, or neither",
        )),
        (None, Some(_)) => Err(FieldError::at(
            "started_at",
            "missing: give both started_at and ended_at, or neither",
        )),
        (Some(s), Some(e)) if e < s => Err(FieldError::at(
            "ended_at",
            format!("ends before it starts ({e} < {s} ns)"),
        )),
        (Some(s), Some(e)) => Ok(Some((s, e))),
    }
}

/// A time: unix nanoseconds (a JSON integer or a string of digits) or an RFC 3339 string.
fn opt_time(obj: &Map<String, Value>, key: &str) -> Res<Option<u64>> {
    let nanos = match obj.get(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_u64().ok_or_else(|| {
            FieldError::at(
                key,
                format!("{n} is not a whole, non-negative number of nanoseconds"),
            )
        })?,
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s
            .parse::<u64>()
            .map_err(|_| FieldError::at(key, format!("{s} nanoseconds is out of range")))?,
        Some(Value::String(s)) => {
            let t = chrono::DateTime::parse_from_rfc3339(s).map_err(|e| {
                FieldError::at(
                    key,
                    format!("'{s}' is neither unix nanoseconds nor an RFC 3339 time ({e})"),
                )
            })?;
            t.timestamp_nanos_opt()
                .and_then(|n| u64::try_from(n).ok())
                .ok_or_else(|| FieldError::at(key, format!("'{s}' is outside 1970..2262")))?
        }
        Some(other) => {
            return Err(FieldError::at(
                key,
                format!(
                    "must be unix nanoseconds or an RFC 3339 string, got {}",
                    json_kind(other)
                ),
            ))
        }
    };
    if nanos == 0 {
        return Err(FieldError::at(
            key,
            "0 is not a time: leave the field out when the time is unknown",
        ));
    }
    Ok(Some(nanos))
}

fn opt_str(obj: &Map<String, Value>, key: &str) -> Res<Option<String>> {
    opt_str_at(obj, key, key)
}

pub(super) fn opt_str_at(obj: &Map<String, Value>, key: &str, path: &str) -> Res<Option<String>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(FieldError::at(
            path,
            format!("must be a string, got {}", json_kind(other)),
        )),
    }
}

fn req_str(obj: &Map<String, Value>, key: &str) -> Res<String> {
    req_str_at(obj, key, key)
}

/// A required, non-blank string; ids and names are trimmed.
pub(super) fn req_str_at(obj: &Map<String, Value>, key: &str, path: &str) -> Res<String> {
    match opt_str_at(obj, key, path)? {
        Some(s) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
        Some(_) => Err(FieldError::at(path, "must not be empty")),
        None => Err(FieldError::at(path, "missing (required)")),
    }
}

fn opt_count(obj: &Map<String, Value>, path: &str, key: &str) -> Res<Option<i64>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_i64().filter(|n| *n >= 0).map(Some).ok_or_else(|| {
            FieldError::at(path, format!("must be a non-negative integer, got {v}"))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(o) => o,
            _ => unreachable!("test input is an object"),
        }
    }

    #[test]
    fn times_accept_nanos_digits_and_rfc3339_alike() {
        let a = times(&obj(
            json!({"started_at": 1793715725153000000u64, "ended_at": "1793715725153000001"}),
        ))
        .unwrap();
        assert_eq!(a, Some((1793715725153000000, 1793715725153000001)));
        let b = times(&obj(json!({"started_at": "2026-11-03T14:22:05.153Z", "ended_at": "2026-11-03T15:22:05.153000001+01:00"})))
            .unwrap();
        assert_eq!(b, Some((1793715725153000000, 1793715725153000001)));
    }

    #[test]
    fn bad_times_name_their_field() {
        let e = times(&obj(json!({"started_at": 5, "ended_at": 4}))).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("ended_at"));
        let e = times(&obj(json!({"started_at": 1.5, "ended_at": 4}))).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("started_at"));
        let e = times(&obj(json!({"started_at": "yesterday", "ended_at": 4}))).unwrap_err();
        assert!(e.message.contains("RFC 3339"), "{}", e.message);
        let e = times(&obj(json!({"started_at": 4}))).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("ended_at"));
    }

    #[test]
    fn access_modes_are_checked() {
        let e = access(
            &json!({"resource": "account:1", "mode": "rw"}),
            "accesses[0]",
        )
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("accesses[0].mode"));
        assert_eq!(
            access(&json!({"resource": "a", "mode": "read_write"}), "x").unwrap(),
            ("a".to_owned(), Mode::ReadWrite)
        );
    }
}
