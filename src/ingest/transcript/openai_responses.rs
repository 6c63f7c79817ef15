//! OpenAI Responses API transcripts: an array of items, a request or response body
//! (`{input:[...]}`, `{output:[...]}`, or both), or JSON Lines of items.
//!
//! Owns the mapping of Responses items to [`Turn`]s: consecutive model-produced items
//! (`function_call`, assistant `message`, `reasoning`, hosted tool calls) form one model
//! response, so one `chat` span; `function_call_output` answers a call joined on `call_id`
//! (never the item `id`). Span building is shared (`transcript.rs`).

use serde_json::Value;

use super::super::synth::{self, Message, Part};
use super::super::{Format, OnInvalid, ReadError, ReadStats, Sink};
use super::{content_parts, str_field, Bad, Conversation, Dialect, Doc, Item, Report, Turn};

pub(crate) const DIALECT: Dialect = Dialect {
    format: Format::OpenaiResponses,
    envelope,
    turns,
};

/// Item types that only the Responses API uses.
const RESPONSES_ITEMS: &[&str] = &[
    "function_call",
    "function_call_output",
    "reasoning",
    "custom_tool_call",
    "custom_tool_call_output",
    "web_search_call",
    "file_search_call",
    "computer_call",
    "computer_call_output",
    "mcp_call",
    "item_reference",
];

/// Reads an OpenAI Responses transcript.
pub fn read(
    file: &str,
    bytes: &[u8],
    on_invalid: OnInvalid,
    sink: &mut dyn Sink,
) -> Result<ReadStats, ReadError> {
    super::read(&DIALECT, file, bytes, on_invalid, sink)
}

/// True when `value` (a document or one JSON line) is a response object or holds Responses items.
pub fn sniff(value: &Value) -> bool {
    if str_field(value, "object") == Some("response") {
        return true;
    }
    super::sniff::sample(value, &["input", "output"])
        .iter()
        .any(|item| match str_field(item, "type") {
            Some("message") => {
                item.get("content")
                    .and_then(Value::as_array)
                    .is_some_and(|blocks| {
                        blocks.iter().any(|b| {
                            matches!(str_field(b, "type"), Some("input_text" | "output_text"))
                        })
                    })
            }
            Some(kind) => RESPONSES_ITEMS.contains(&kind),
            None => false,
        })
}

fn envelope<'a>(doc: &Doc<'a>) -> Option<Vec<Item<'a>>> {
    let object = doc.value.as_object()?;
    // Items carry `type` (or `role`); a request or response body carries neither.
    let is_item = object.contains_key("type") || object.contains_key("role");
    if is_item
        || (!object.contains_key("input") && !object.get("output").is_some_and(Value::is_array))
    {
        return None;
    }
    let mut items = Vec::new();
    for key in ["input", "output"] {
        match object.get(key) {
            Some(Value::Array(_)) => items.extend(doc.array_items(key)?),
            // A plain string input is the user's prompt.
            Some(Value::String(_)) => items.extend(doc.field_item(key)),
            _ => {}
        }
    }
    Some(items)
}

/// The model-produced items accumulated since the last input item.
#[derive(Default)]
struct Pending {
    parts: Vec<Part>,
    records: Vec<String>,
}

fn turns(conv: &Conversation<'_>, bad: &mut Report<'_>) -> Result<Vec<Turn>, ReadError> {
    let mut turns = Vec::new();
    if let Some(instructions) = conv
        .envelope
        .as_ref()
        .and_then(|e| e.get("instructions"))
        .filter(|i| !i.is_null())
    {
        turns.push(Turn::Input(Message::new(
            "system",
            content_parts(instructions),
        )));
    }
    let mut pending = Pending::default();
    let mut ids = super::references::CallIds::default();
    for item in &conv.items {
        let from = turns.len();
        if let Err(problem) = item_turns(item, &mut pending, &mut turns)
            .and_then(|()| ids.vet(item, &mut turns, from))
        {
            bad(problem)?;
        }
    }
    flush(&mut pending, &mut turns);
    Ok(turns)
}

fn flush(pending: &mut Pending, turns: &mut Vec<Turn>) {
    if pending.records.is_empty() {
        return;
    }
    let record = if pending.records.len() == 1 {
        pending.records.remove(0)
    } else {
        format!("[{}]", pending.records.join(","))
    };
    turns.push(Turn::Response {
        message: Message::new("assistant", std::mem::take(&mut pending.parts)),
        finish_reason: None,
        model: None,
        record,
    });
    pending.records.clear();
}

fn item_turns(item: &Item<'_>, pending: &mut Pending, turns: &mut Vec<Turn>) -> Result<(), Bad> {
    let value = &item.value;
    if let Value::String(prompt) = value {
        flush(pending, turns);
        turns.push(Turn::Input(Message::new(
            "user",
            vec![Part::Text(prompt.clone())],
        )));
        return Ok(());
    }
    if !value.is_object() {
        return Err(Bad::new(item, "", "an item must be a JSON object"));
    }
    let kind = str_field(value, "type").or_else(|| value.get("role").map(|_| "message"));
    let Some(kind) = kind else {
        return Err(Bad::new(
            item,
            "type",
            "item has neither a string 'type' nor a 'role'",
        ));
    };
    match kind {
        "message" => {
            let role = str_field(value, "role")
                .ok_or_else(|| Bad::new(item, "role", "message item has no string 'role'"))?;
            let parts = content_parts(value.get("content").unwrap_or(&Value::Null));
            if role == "assistant" {
                pending.parts.extend(parts);
                pending.records.push(item.raw.to_owned());
            } else {
                flush(pending, turns);
                turns.push(Turn::Input(Message::new(role, parts)));
            }
        }
        "function_call" | "custom_tool_call" => {
            let name = str_field(value, "name")
                .ok_or_else(|| Bad::new(item, "name", "function_call has no string 'name'"))?;
            // `call_id` is the join key; `id` is the item's own id (fc_...).
            let id = str_field(value, "call_id")
                .or_else(|| str_field(value, "id"))
                .map(str::to_owned);
            let arguments = value
                .get("arguments")
                .or_else(|| value.get("input"))
                .unwrap_or(&Value::Null);
            pending.parts.push(Part::ToolCall {
                id,
                name: name.to_owned(),
                arguments: synth::arguments_value(arguments),
            });
            pending.records.push(item.raw.to_owned());
        }
        "function_call_output" | "custom_tool_call_output" | "computer_call_output" => {
            flush(pending, turns);
            let Some(call_id) = str_field(value, "call_id").map(str::to_owned) else {
                return Err(Bad::new(
                    item,
                    "call_id",
                    format!("{kind} has no string 'call_id'"),
                ));
            };
            let output = value.get("output").cloned().unwrap_or(Value::Null);
            let response = Part::ToolCallResponse {
                id: Some(call_id.clone()),
                response: output.clone(),
            };
            turns.push(Turn::Input(Message::new("tool", vec![response])));
            turns.push(Turn::ToolResult {
                call_id: Some(call_id),
                name: None,
                content: output,
                is_error: false,
                record: item.raw.to_owned(),
            });
        }
        "reasoning" => {
            let summary = value.get("summary").and_then(Value::as_array).map(|s| {
                s.iter()
                    .filter_map(|p| str_field(p, "text"))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            pending
                .parts
                .push(Part::Reasoning(summary.unwrap_or_default()));
            pending.records.push(item.raw.to_owned());
        }
        "item_reference" => {}
        // Hosted tools (web search, file search, MCP, ...) run on the provider's side: kept as
        // parts of the model response, not as client tool executions.
        _ => {
            pending.parts.push(Part::Other(value.clone()));
            pending.records.push(item.raw.to_owned());
        }
    }
    Ok(())
}
