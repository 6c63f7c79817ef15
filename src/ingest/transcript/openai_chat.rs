//! OpenAI Chat Completions transcripts: a JSON array of messages, a request body
//! (`{model, messages}`), a response body (`choices[0].message`), or JSON Lines of messages (or
//! of request bodies, one conversation per line).
//!
//! Owns the mapping of Chat Completions messages to [`Turn`]s: assistant `tool_calls`
//! (`{id, type:"function", function:{name, arguments}}`, arguments a JSON string kept verbatim
//! even when invalid), `role:"tool"` results joined on `tool_call_id`, and the legacy
//! `function_call` / `role:"function"` pair (no ids). Span building is shared (`transcript.rs`).

use serde_json::Value;

use super::super::synth::{self, Message, Part};
use super::super::{Format, OnInvalid, ReadError, ReadStats, Sink};
use super::{content_parts, str_field, Bad, Conversation, Dialect, Doc, Item, Report, Turn};

pub(crate) const DIALECT: Dialect = Dialect {
    format: Format::OpenaiChat,
    envelope,
    turns,
};

/// Reads an OpenAI Chat Completions transcript.
pub fn read(
    file: &str,
    bytes: &[u8],
    on_invalid: OnInvalid,
    sink: &mut dyn Sink,
) -> Result<ReadStats, ReadError> {
    super::read(&DIALECT, file, bytes, on_invalid, sink)
}

/// True when `value` (a document or one JSON line) looks like Chat Completions messages.
pub fn sniff(value: &Value) -> bool {
    if value
        .get("choices")
        .and_then(Value::as_array)
        .is_some_and(|c| c.iter().any(|c| c.get("message").is_some()))
    {
        return true;
    }
    let sample = super::sniff::sample(value, &["messages"]);
    !sample.is_empty()
        && sample
            .iter()
            .all(|m| str_field(m, "role").is_some() && m.get("type").is_none())
}

fn envelope<'a>(doc: &Doc<'a>) -> Option<Vec<Item<'a>>> {
    let object = doc.value.as_object()?;
    let mut items = Vec::new();
    let mut found = false;
    if object.get("messages").is_some_and(Value::is_array) {
        found = true;
        items.extend(doc.array_items("messages")?);
    }
    if let Some(choices) = object.get("choices").and_then(Value::as_array) {
        found = true;
        if !choices.is_empty() {
            // Agent runners act on choice 0; other choices are alternatives, not turns.
            let mut first = doc.array_items("choices")?;
            first.truncate(1);
            items.extend(first);
        }
    }
    found.then_some(items)
}

fn turns(conv: &Conversation<'_>, bad: &mut Report<'_>) -> Result<Vec<Turn>, ReadError> {
    let mut turns = Vec::new();
    let mut ids = super::references::CallIds::default();
    for item in &conv.items {
        let from = turns.len();
        if let Err(problem) =
            item_turns(item, &mut turns).and_then(|()| ids.vet(item, &mut turns, from))
        {
            bad(problem)?;
        }
    }
    Ok(turns)
}

fn item_turns(item: &Item<'_>, turns: &mut Vec<Turn>) -> Result<(), Bad> {
    // A response choice wraps the message: `{index, message, finish_reason}`.
    let (message, finish_reason, sub) = match item.value.get("message") {
        Some(m) if item.value.get("role").is_none() => {
            (m, str_field(&item.value, "finish_reason"), "message.")
        }
        _ => (&item.value, None, ""),
    };
    if !message.is_object() {
        return Err(Bad::new(
            item,
            sub.trim_end_matches('.'),
            "a message must be a JSON object",
        ));
    }
    let Some(role) = str_field(message, "role") else {
        return Err(Bad::new(
            item,
            &format!("{sub}role"),
            "message has no string 'role'",
        ));
    };
    let content = message.get("content").unwrap_or(&Value::Null);
    match role {
        "assistant" => {
            // OpenAI-compatible providers (DeepSeek, OpenRouter, vLLM) add the reasoning text.
            let reasoning = str_field(message, "reasoning_content")
                .or_else(|| str_field(message, "reasoning"))
                .map(|r| Part::Reasoning(r.to_owned()));
            let mut parts: Vec<Part> = reasoning.into_iter().collect();
            parts.extend(content_parts(content));
            if let Some(refusal) = str_field(message, "refusal") {
                parts.push(Part::Text(refusal.to_owned()));
            }
            if let Some(calls) = message.get("tool_calls").filter(|c| !c.is_null()) {
                let Some(calls) = calls.as_array() else {
                    return Err(Bad::new(
                        item,
                        &format!("{sub}tool_calls"),
                        "tool_calls must be an array",
                    ));
                };
                for (j, call) in calls.iter().enumerate() {
                    parts.push(tool_call(item, &format!("{sub}tool_calls[{j}]"), call)?);
                }
            }
            if let Some(call) = message.get("function_call").filter(|c| !c.is_null()) {
                let name = str_field(call, "name").ok_or_else(|| {
                    Bad::new(
                        item,
                        &format!("{sub}function_call.name"),
                        "function_call has no string 'name'",
                    )
                })?;
                let arguments =
                    synth::arguments_value(call.get("arguments").unwrap_or(&Value::Null));
                parts.push(Part::ToolCall {
                    id: None,
                    name: name.to_owned(),
                    arguments,
                });
            }
            let model = str_field(message, "model")
                .or_else(|| str_field(&item.value, "model"))
                .map(str::to_owned);
            turns.push(Turn::Response {
                message: Message::new("assistant", parts),
                finish_reason: finish_reason.map(str::to_owned),
                model,
                record: item.raw.to_owned(),
            });
        }
        "tool" | "function" => {
            let call_id = str_field(message, "tool_call_id").map(str::to_owned);
            let name = str_field(message, "name").map(str::to_owned);
            let response = Part::ToolCallResponse {
                id: call_id.clone(),
                response: content.clone(),
            };
            turns.push(Turn::Input(Message::new("tool", vec![response])));
            turns.push(Turn::ToolResult {
                call_id,
                name,
                content: content.clone(),
                is_error: false,
                record: item.raw.to_owned(),
            });
        }
        other => turns.push(Turn::Input(Message::new(other, content_parts(content)))),
    }
    Ok(())
}

/// One entry of `tool_calls`: a function call (or a custom tool call) as a `tool_call` part.
fn tool_call(item: &Item<'_>, path: &str, call: &Value) -> Result<Part, Bad> {
    let id = str_field(call, "id").map(str::to_owned);
    if let Some(custom) = call
        .get("custom")
        .filter(|_| str_field(call, "type") == Some("custom"))
    {
        let name = str_field(custom, "name").ok_or_else(|| {
            Bad::new(
                item,
                &format!("{path}.custom.name"),
                "custom tool call has no string 'name'",
            )
        })?;
        let input = custom.get("input").cloned().unwrap_or(Value::Null);
        return Ok(Part::ToolCall {
            id,
            name: name.to_owned(),
            arguments: input,
        });
    }
    let Some(function) = call.get("function") else {
        return Err(Bad::new(
            item,
            &format!("{path}.function"),
            "tool call has no 'function'",
        ));
    };
    let name = str_field(function, "name").ok_or_else(|| {
        Bad::new(
            item,
            &format!("{path}.function.name"),
            "tool call has no string 'name'",
        )
    })?;
    let arguments = synth::arguments_value(function.get("arguments").unwrap_or(&Value::Null));
    Ok(Part::ToolCall {
        id,
        name: name.to_owned(),
        arguments,
    })
}
