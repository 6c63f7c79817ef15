//! Messages and tool definitions of native records, converted to the OpenTelemetry GenAI shapes
//! (`{role, parts:[...]}`, `{type:"function", name, ...}`) with errors naming the field. Chat-style
//! messages (`content`, `tool_call_id`, `tool_calls`) are accepted as well as GenAI ones.

use serde_json::{json, Map, Value};

use super::records::{emitted_call, opt_str_at, req_str_at, FieldError, Res};
use crate::model::span::json_kind;

/// `tools`: definitions `{name, description?, parameters?, ...}`, returned in the GenAI shape.
pub(super) fn opt_tools(obj: &Map<String, Value>, key: &str) -> Res<Option<Vec<Value>>> {
    let items = match obj.get(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(FieldError::at(
                key,
                format!("must be an array, got {}", json_kind(other)),
            ))
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("{key}[{i}]");
        let Value::Object(o) = item else {
            return Err(FieldError::at(
                &path,
                format!(
                    "must be an object {{name, description, parameters}}, got {}",
                    json_kind(item)
                ),
            ));
        };
        req_str_at(o, "name", &format!("{path}.name"))?;
        opt_str_at(o, "description", &format!("{path}.description"))?;
        let mut def = Map::new();
        def.insert("type".into(), json!("function"));
        def.extend(o.iter().map(|(k, v)| (k.clone(), v.clone())));
        out.push(Value::Object(def));
    }
    Ok(Some(out))
}

/// `input`: a string (one user message) or an array of messages, converted to the GenAI shape.
pub(super) fn opt_messages(obj: &Map<String, Value>, key: &str) -> Res<Option<Vec<Value>>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(vec![
            json!({"role": "user", "parts": [{"type": "text", "content": s}]}),
        ])),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, m)| message(m, &format!("{key}[{i}]")))
            .collect::<Res<Vec<_>>>()
            .map(Some),
        Some(other) => Err(FieldError::at(
            key,
            format!(
                "must be a string or an array of messages, got {}",
                json_kind(other)
            ),
        )),
    }
}

/// One message: `{role, parts}` kept as is; `{role, content, tool_call_id?, tool_calls?}` converted.
fn message(m: &Value, path: &str) -> Res<Value> {
    let Value::Object(o) = m else {
        return Err(FieldError::at(
            path,
            format!("must be a message object, got {}", json_kind(m)),
        ));
    };
    let role = req_str_at(o, "role", &format!("{path}.role"))?;
    match o.get("parts") {
        None | Some(Value::Null) => {}
        Some(Value::Array(_)) => return Ok(m.clone()),
        Some(other) => {
            return Err(FieldError::at(
                format!("{path}.parts"),
                format!("must be an array, got {}", json_kind(other)),
            ))
        }
    }
    let mut parts = Vec::new();
    let content = o.get("content").filter(|v| !v.is_null());
    if let Some(id) = opt_str_at(o, "tool_call_id", &format!("{path}.tool_call_id"))? {
        parts.push(json!({"type": "tool_call_response", "id": id, "response": content.cloned().unwrap_or(Value::Null)}));
    } else {
        match content {
            None => {}
            Some(Value::String(s)) => parts.push(json!({"type": "text", "content": s})),
            Some(other) => {
                return Err(FieldError::at(
                    format!("{path}.content"),
                    format!("must be a string (or give \"parts\", or \"tool_call_id\" for a tool result), got {}", json_kind(other)),
                ))
            }
        }
    }
    match o.get("tool_calls") {
        None | Some(Value::Null) => {}
        Some(Value::Array(calls)) => {
            for (i, c) in calls.iter().enumerate() {
                let call = emitted_call(c, &format!("{path}.tool_calls[{i}]"))?;
                parts.push(json!({"type": "tool_call", "id": call.id, "name": call.name, "arguments": call.arguments}));
            }
        }
        Some(other) => {
            return Err(FieldError::at(
                format!("{path}.tool_calls"),
                format!("must be an array, got {}", json_kind(other)),
            ))
        }
    }
    Ok(json!({"role": role, "parts": parts}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_style_messages_become_genai_parts() {
        let m = message(
            &json!({"role": "tool", "tool_call_id": "c1", "content": {"ok": true}}),
            "input[0]",
        )
        .unwrap();
        assert_eq!(
            m,
            json!({"role": "tool", "parts": [{"type": "tool_call_response", "id": "c1", "response": {"ok": true}}]})
        );
        let m = message(
            &json!({"role": "assistant", "content": "on it", "tool_calls": [{"id": "c2", "name": "f", "arguments": {"x": 1}}]}),
            "input[1]",
        )
        .unwrap();
        assert_eq!(
            m,
            json!({"role": "assistant", "parts": [{"type": "text", "content": "on it"}, {"type": "tool_call", "id": "c2", "name": "f", "arguments": {"x": 1}}]})
        );
        let e = message(&json!({"role": "user", "content": [1]}), "input[2]").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("input[2].content"));
    }
}
