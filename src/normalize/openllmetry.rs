//! Reads OpenLLMetry / Traceloop spans: provider spans in the legacy indexed form
//! (`gen_ai.prompt.{i}.*`, `gen_ai.completion.{i}.tool_calls.{j}.*`) or the newer GenAI message
//! attributes, `*.tool` spans (no call id; arguments in `gen_ai.tool.call.arguments` or
//! `traceloop.entity.input` kwargs), and workflow/agent spans. A provider span may record no
//! output at all (Chat Completions through the Agents instrumentation); the batch builder then
//! recovers its calls from the next model call's input.

use serde_json::Value;

use super::genai;
use super::messages::{parse_messages, Message};
use super::record::{json_attr, str_attr, unflatten, ExecRecord, ModelRecord};
use crate::model::{Convention, Span};

/// Reads an OpenLLMetry model-call span.
pub fn model(span: &Span) -> ModelRecord {
    let mut rec = genai::model(span, Convention::OpenLlmetry);
    if rec.model.is_none() {
        rec.model = str_attr(span, "llm.request.model")
            .or_else(|| str_attr(span, "llm.response.model"))
            .map(str::to_owned);
    }
    let legacy_in = unflatten(span, "gen_ai.prompt").filter(Value::is_array);
    let legacy_out = unflatten(span, "gen_ai.completion").filter(Value::is_array);
    if rec.input.is_none() && legacy_in.is_some() {
        genai::fill_from_messages(&mut rec, legacy_in, None);
    }
    if !rec.output_recorded {
        if let Some(out) = legacy_out {
            let finish = rec.finish_reason.clone();
            let msgs = parse_messages(&out);
            genai::fill_from_messages(&mut rec, None, Some(msgs));
            if rec.finish_reason.is_none() {
                rec.finish_reason = finish;
            }
        }
    }
    rec
}

/// Reads a `*.tool` span.
pub fn tool(span: &Span) -> ExecRecord {
    let name = str_attr(span, "gen_ai.tool.name")
        .or_else(|| str_attr(span, "traceloop.entity.name"))
        .map(str::to_owned)
        .or_else(|| span.name.strip_suffix(".tool").map(str::to_owned))
        .unwrap_or_else(|| span.name.clone());
    let mut rec = genai::tool(span, Convention::OpenLlmetry);
    rec.name = name;
    if rec.arguments.is_none() {
        rec.arguments = json_attr(span, "traceloop.entity.input").map(entity_arguments);
    }
    if rec.result.is_none() {
        rec.result = json_attr(span, "traceloop.entity.output");
        rec.settle_status(span);
    }
    rec
}

/// `traceloop.entity.input` is `{"args":[...],"kwargs":{...}}`: the kwargs are the arguments,
/// unless only positional args were given.
fn entity_arguments(v: Value) -> Value {
    let kwargs = v
        .get("kwargs")
        .filter(|k| k.as_object().is_some_and(|o| !o.is_empty()))
        .cloned();
    let args = v
        .get("args")
        .filter(|a| a.as_array().is_some_and(|a| !a.is_empty()))
        .cloned();
    match (kwargs, args) {
        (Some(k), _) => k,
        (None, Some(Value::Array(mut a))) if a.len() == 1 => a.remove(0),
        (None, Some(a)) => a,
        (None, None) if v.get("kwargs").is_some() || v.get("args").is_some() => {
            Value::Object(Default::default())
        }
        _ => v,
    }
}

/// The final answer a workflow/agent span records (`traceloop.entity.output`).
pub fn agent_answer(span: &Span) -> Option<String> {
    match json_attr(span, "traceloop.entity.output")? {
        Value::String(s) => Some(s),
        other => {
            let msgs = parse_messages(&other);
            msgs.iter()
                .rev()
                .find(|m| m.role == "assistant")
                .and_then(Message::joined_text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn entity_input_kwargs_are_the_arguments() {
        assert_eq!(
            entity_arguments(json!({"args":[],"kwargs":{"a":1}})),
            json!({"a":1})
        );
        assert_eq!(
            entity_arguments(json!({"args":["x"],"kwargs":{}})),
            json!("x")
        );
        assert_eq!(entity_arguments(json!({"args":[],"kwargs":{}})), json!({}));
    }
}
