//! Reads OpenInference spans (Phoenix; LangChain/LangGraph; OpenAI Agents via OpenInference):
//! LLM spans with flattened `llm.output_messages.{i}.message.tool_calls.{j}.tool_call.*`, TOOL
//! spans with `tool.name` / `input.value` / `output.value`. Call ids are often missing from the
//! flattened attributes and hide in JSON payloads (`output.value` of the LLM span, a serialized
//! ToolMessage's `tool_call_id` in the TOOL span's `output.value`): they are recovered here.

use serde_json::Value;

use super::hidden::{find_tool_call_id, find_tool_call_list};
use super::messages::{history, parse_messages, Message};
use super::record::{
    clean_id, json_attr, normalize_finish_reason, parse_loose, pick_finish_reason, str_attr,
    unflatten, EmittedCall, ExecRecord, ModelRecord,
};
use crate::model::span::parse_json_string;
use crate::model::{CallStatus, Convention, Span};

/// Reads an OpenInference LLM span.
pub fn model(span: &Span) -> ModelRecord {
    let mut rec = ModelRecord::new(span, Convention::OpenInference);
    rec.model = str_attr(span, "llm.model_name")
        .map(str::to_owned)
        .or_else(|| {
            // LangChain.js records the model only in its run metadata / invocation parameters.
            let from = |key: &str, field: &str| {
                json_attr(span, key)?
                    .get(field)?
                    .as_str()
                    .map(str::to_owned)
            };
            from("metadata", "ls_model_name")
                .or_else(|| from("llm.invocation_parameters", "model"))
                .or_else(|| from("llm.invocation_parameters", "model_name"))
        });
    let output_value = json_attr(span, "output.value");
    let flat_out = unflatten(span, "llm.output_messages");
    if let Some(out) = &flat_out {
        let msgs = parse_messages(out);
        rec.output_recorded = true;
        rec.emitted = msgs
            .iter()
            .flat_map(|m| m.tool_calls.iter().cloned())
            .collect();
        let texts: Vec<String> = msgs.iter().filter_map(Message::joined_text).collect();
        rec.output_text = (!texts.is_empty()).then(|| texts.join("\n"));
        rec.finish_reason =
            pick_finish_reason(msgs.iter().filter_map(|m| m.finish_reason.as_deref()));
    }
    if let Some(ov) = &output_value {
        rec.output_recorded = true;
        let hidden = find_tool_call_list(ov);
        fill_hidden_ids(&mut rec.emitted, &hidden);
        if rec.output_text.is_none() {
            if let Value::String(s) = ov {
                rec.output_text = (!s.trim().is_empty()).then(|| s.clone());
            }
        }
    }
    if let Some(fr) = str_attr(span, "llm.finish_reason").and_then(normalize_finish_reason) {
        rec.finish_reason = Some(fr);
    }
    let input = unflatten(span, "llm.input_messages").or_else(|| json_attr(span, "input.value"));
    if let Some(input) = input {
        let (calls, results) = history(&parse_messages(&input));
        rec.history_calls = calls;
        rec.history_results = results;
        rec.input = Some(input);
    }
    rec
}

/// Completes emitted calls with the ids found in a JSON payload: by position when names agree,
/// or takes the payload's calls outright when the flattened attributes had none.
fn fill_hidden_ids(emitted: &mut Vec<EmittedCall>, hidden: &[EmittedCall]) {
    if hidden.is_empty() {
        return;
    }
    if emitted.is_empty() {
        emitted.extend(hidden.iter().cloned());
        return;
    }
    let aligned =
        emitted.len() == hidden.len() && emitted.iter().zip(hidden).all(|(a, b)| a.name == b.name);
    if aligned {
        for (e, h) in emitted.iter_mut().zip(hidden) {
            if e.id.is_none() {
                e.id = h.id.clone();
            }
            if e.arguments.is_none() {
                e.arguments = h.arguments.clone();
            }
        }
    }
}

/// Reads an OpenInference TOOL span.
pub fn tool(span: &Span) -> ExecRecord {
    let name = str_attr(span, "tool.name")
        .map(str::to_owned)
        .unwrap_or_else(|| span.name.clone());
    let mut rec = ExecRecord::new(span, Convention::OpenInference, name);
    let output = span.attr_str("output.value").map(parse_json_string);
    rec.call_id = str_attr(span, "tool.id")
        .and_then(clean_id)
        .or_else(|| str_attr(span, "tool_call.id").and_then(clean_id))
        .or_else(|| output.as_ref().and_then(find_tool_call_id));
    rec.arguments = span
        .attr("input.value")
        .map(|v| v.to_json_parsed())
        .or_else(|| json_attr(span, "tool.parameters").filter(|p| !looks_like_schema(p)));
    if let Some(out) = output {
        let (value, errored) = unwrap_tool_message(out);
        if errored {
            rec.error = Some(
                value
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| value.to_string()),
            );
        }
        rec.result = Some(value);
    }
    rec.settle_status(span);
    if rec.status == CallStatus::Error && rec.error.is_none() {
        rec.error = Some("error".into());
    }
    rec
}

/// A serialized LangChain ToolMessage (`{type:"tool", data:{content, status}}`,
/// `{output:{kwargs:{content, status}}}`, `{kwargs:{...}}`) → its content (JSON parsed) and
/// whether it reports an error. Other values pass through.
fn unwrap_tool_message(v: Value) -> (Value, bool) {
    let fields = v
        .get("data")
        .or_else(|| v.get("output").and_then(|o| o.get("kwargs")))
        .or_else(|| v.get("kwargs"))
        .or_else(|| {
            v.get("update")
                .and_then(|u| u.get("messages"))
                .and_then(|m| m.get(0))
                .and_then(|m| m.get("kwargs"))
        })
        .filter(|f| f.get("tool_call_id").is_some() && f.get("content").is_some());
    match fields {
        Some(f) => {
            let errored = f.get("status").and_then(Value::as_str) == Some("error");
            (
                f.get("content").map(parse_loose).unwrap_or(Value::Null),
                errored,
            )
        }
        None => (v, false),
    }
}

/// A JSON Schema (`type: object` with `properties`) rather than call arguments.
fn looks_like_schema(v: &Value) -> bool {
    v.get("properties").is_some() && v.get("type").is_some()
}

/// The final answer on a root AGENT/CHAIN span: plain `output.value`, or the last assistant
/// message of a serialized message list / graph state.
pub fn agent_answer(span: &Span) -> Option<String> {
    let out = span.attr_str("output.value")?;
    match parse_json_string(out) {
        Value::String(s) => (!s.trim().is_empty()).then_some(s),
        other => parse_messages(&other)
            .iter()
            .rev()
            .find(|m| m.role == "assistant" && m.tool_calls.is_empty())
            .and_then(Message::joined_text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tool_messages_unwrap_to_their_content() {
        let v = json!({"type":"tool","data":{"content":"{\"a\":1}","tool_call_id":"call_1","status":"success"}});
        assert_eq!(unwrap_tool_message(v), (json!({"a":1}), false));
        let v = json!({"output":{"kwargs":{"content":"boom","tool_call_id":"c","status":"error"}}});
        assert_eq!(unwrap_tool_message(v), (json!("boom"), true));
        assert_eq!(unwrap_tool_message(json!({"x":1})), (json!({"x":1}), false));
    }

    #[test]
    fn hidden_ids_fill_flattened_calls_by_position() {
        let mut emitted = vec![
            EmittedCall {
                id: None,
                name: "a".into(),
                arguments: Some(json!({})),
            },
            EmittedCall {
                id: None,
                name: "b".into(),
                arguments: None,
            },
        ];
        let hidden = vec![
            EmittedCall {
                id: Some("call_1".into()),
                name: "a".into(),
                arguments: None,
            },
            EmittedCall {
                id: Some("call_2".into()),
                name: "b".into(),
                arguments: Some(json!({"q":1})),
            },
        ];
        fill_hidden_ids(&mut emitted, &hidden);
        assert_eq!(emitted[0].id.as_deref(), Some("call_1"));
        assert_eq!(emitted[1].arguments, Some(json!({"q":1})));
    }

    #[test]
    fn schemas_are_not_arguments() {
        assert!(looks_like_schema(&json!({"type":"object","properties":{}})));
        assert!(!looks_like_schema(&json!({"path":"/tmp"})));
    }
}
